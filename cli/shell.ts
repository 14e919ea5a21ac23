// `kvlab shell`: one open store, commands from stdin one per line, one output line per command. A write
// is answered `ok LSN` only after store.put returned, that is once it is durable under --sync: with
// "always" the answer means the record was fsynced, so a SIGKILL right after it cannot take it back.
// Each answer is written to stdout in full (main.ts) before the next line is read. The store's options
// are given once, on the `kvlab shell` command line; on a line, a bare word starting with `-` is an
// error unless it is one of the command's own options (scan --from/--to/--limit), and a JSON-quoted
// word is always data, so `put k "-x"` stores "-x".

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { KvError, isKvError } from '../src/engine/errors.js';
import type { FileSystem } from '../src/io/fs.js';
import type { Store } from '../src/io/store.js';
import {
  DATA_COMMANDS,
  EXIT,
  exitCodeFor,
  openForCommand,
  runDataCommand,
  type CommandOutput,
  type Flags,
  type Output,
} from './app.js';
import { parseCommandLine } from './flags.js';
import { splitLine, type Word } from './words.js';

/** Options a shell line may carry: those of the line's command that are not the store's own. */
const LINE_OPTIONS: readonly string[] = ['--from', '--to', '--limit'];

function oneLine(result: CommandOutput, json: boolean): string {
  if (json || result.list === true || result.lines.length !== 1) return JSON.stringify(result.json);
  return result.lines[0] ?? '';
}

/** Parse a line's words: quoted words are data, and a bare `-` word must be a line option. */
function parseLine(words: readonly Word[]): { command: string; args: string[]; flags: Flags } {
  const options: string[] = [];
  const data: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === undefined) break;
    if (w.quoted || !w.text.startsWith('-')) {
      data.push(w.text);
      continue;
    }
    const name = w.text.split('=')[0] ?? '';
    if (!LINE_OPTIONS.includes(name))
      throw new KvError(
        'INVALID_ARGUMENT',
        `${w.text} is not allowed on a shell line: give store options to \`kvlab shell\` itself, and quote data that starts with - ("-x")`,
      );
    const value = w.text.includes('=') ? undefined : words[++i];
    options.push(value === undefined ? w.text : `${w.text}=${value.text}`);
  }
  // After `--`, the parser takes every word as data, whatever it starts with.
  const { command, args, flags } = parseCommandLine([...options, '--', ...data]);
  return { command, args: [...args], flags };
}

/** Answer one shell line. Returns undefined for a blank line or a comment, which get no answer. */
function answerLine(
  line: string,
  run: (words: readonly Word[]) => CommandOutput,
  json: boolean,
): string | undefined {
  try {
    const words = splitLine(line);
    const first = words[0];
    if (first === undefined || (!first.quoted && first.text.startsWith('#'))) return undefined;
    return oneLine(run(words), json);
  } catch (e) {
    if (!isKvError(e)) throw e;
    // The message already starts with the code: `error INVALID_ARGUMENT: …`, never the code twice.
    return json
      ? JSON.stringify({ ok: false, code: e.code, message: e.message })
      : `error ${e.message}`;
  }
}

function lineRunner(store: Store): (words: readonly Word[]) => CommandOutput {
  return (words) => {
    const { command, args, flags } = parseLine(words);
    if (!DATA_COMMANDS.includes(command))
      throw new KvError('INVALID_ARGUMENT', `unknown shell command "${command}"`);
    return runDataCommand(store, command, args, flags);
  };
}

/**
 * Run the shell until end of input or `quit`. Returns 0, or the exit code of the store's failure
 * when it ended FAILED (an I/O error stopped it: 5).
 */
export async function runShell(
  flags: Flags,
  args: readonly string[],
  input: Readable,
  output: Output,
  fs?: FileSystem,
): Promise<number> {
  if (args.length > 0)
    throw new KvError('INVALID_ARGUMENT', 'shell takes no arguments; it reads commands from stdin');
  const { store } = openForCommand('shell', flags, output, fs);
  const run = lineRunner(store);
  let failed = false;
  try {
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      if (/^\s*(quit|exit)\s*$/.test(line)) break;
      const answer = answerLine(line, run, flags.json);
      if (answer !== undefined) output.out(answer);
    }
  } finally {
    failed = store.stats().phase === 'FAILED';
    store.close();
  }
  return failed ? exitCodeFor('FAILED') : EXIT.ok;
}
