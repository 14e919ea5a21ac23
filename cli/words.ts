// Splitting a `kvlab shell` line into words: plain words separated by spaces, or JSON strings, so that
// any key or value (spaces, newlines, quotes, `|`, the empty string) can be typed on one line:
//   put "a b" "x\ny"      get plain      del ""

import { KvError } from '../src/engine/errors.js';

/** The words of one line. Throws INVALID_ARGUMENT on an unterminated or malformed JSON string. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length)
        throw new KvError('INVALID_ARGUMENT', `unterminated string at column ${i + 1}`);
      try {
        words.push(JSON.parse(line.slice(i, j + 1)) as string);
      } catch {
        throw new KvError('INVALID_ARGUMENT', `malformed string at column ${i + 1}`);
      }
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t' && line[j] !== '\r') j++;
    words.push(line.slice(i, j));
    i = j;
  }
  return words;
}

/** A value as the CLI prints it: plain when that is unambiguous, otherwise as a JSON string. */
export function showText(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) && !text.startsWith('"') ? text : JSON.stringify(text);
}
