// Splitting a `kvlab shell` line into words: plain words separated by spaces, or JSON strings, so that
// any key or value (spaces, newlines, quotes, `|`, the empty string) can be typed on one line:
//   put "a b" "x\ny"      get plain      del ""

import { KvError } from '../src/engine/errors.js';

/** One word of a line, and whether it was a JSON string (then it is data, even if it starts with -). */
export interface Word {
  readonly text: string;
  readonly quoted: boolean;
}

/** The words of one line, as text. Throws INVALID_ARGUMENT on a malformed JSON string. */
export function splitWords(line: string): string[] {
  return splitLine(line).map((w) => w.text);
}

/** The words of one line. Throws INVALID_ARGUMENT on an unterminated or malformed JSON string. */
export function splitLine(line: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length)
        throw new KvError('INVALID_ARGUMENT', `unterminated string at column ${i + 1}`);
      let text: unknown;
      try {
        text = JSON.parse(line.slice(i, j + 1));
      } catch {
        throw new KvError('INVALID_ARGUMENT', `malformed string at column ${i + 1}`);
      }
      if (typeof text !== 'string')
        throw new KvError('INVALID_ARGUMENT', `malformed string at column ${i + 1}`);
      words.push({ text, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t' && line[j] !== '\r') j++;
    words.push({ text: line.slice(i, j), quoted: false });
    i = j;
  }
  return words;
}

/** A value as the CLI prints it: plain when that is unambiguous, otherwise as a JSON string. */
export function showText(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) && !text.startsWith('"') ? text : JSON.stringify(text);
}
