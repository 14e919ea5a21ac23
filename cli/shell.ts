// `kvlab shell`: one open store, commands from stdin one per line, one output line per command. A write
// is answered `ok LSN` only after store.put returned, that is once it is durable under --sync: with
// "always" the answer means the record was fsynced, so a SIGKILL right after it cannot take it back.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { KvError, isKvError } from '../src/engine/errors.js';
import type { FileSystem } from '../src/io/fs.js';
import { openStore } from '../src/io/store.js';
import {
  DATA_COMMANDS,
  EXIT,
  parseCommandLine,
  runDataCommand,
  storeOptions,
  type CommandOutput,
  type Flags,
  type Output,
} from './app.js';
import { splitWords } from './words.js';

function oneLine(result: CommandOutput, json: boolean): string {
  if (json || result.list === true || result.lines.length !== 1) return JSON.stringify(result.json);
  return result.lines[0] as string;
}

/** Answer one shell line. Returns undefined for a blank line or a comment, which get no answer. */
export function answerLine(
  line: string,
  run: (words: string[]) => CommandOutput,
  json: boolean,
): string | undefined {
  try {
    const words = splitWords(line);
    if (words.length === 0 || (words[0] as string).startsWith('#')) return undefined;
    return oneLine(run(words), json);
  } catch (e) {
    if (!isKvError(e)) throw e;
    return json
      ? JSON.stringify({ ok: false, code: e.code, message: e.message })
      : `error ${e.code} ${e.message}`;
  }
}

/** Run the shell until end of input or `quit`. Returns the exit code. */
export async function runShell(
  flags: Flags,
  input: Readable,
  output: Output,
  fs?: FileSystem,
): Promise<number> {
  const store = openStore(flags.dir, storeOptions(flags, fs));
  const run = (words: string[]): CommandOutput => {
    const { command, args, flags: lineFlags } = parseCommandLine(words);
    if (!DATA_COMMANDS.includes(command))
      throw new KvError('INVALID_ARGUMENT', `unknown shell command "${command}"`);
    return runDataCommand(store, command, args, lineFlags);
  };
  try {
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      if (/^\s*(quit|exit)\s*$/.test(line)) break;
      const answer = answerLine(line, run, flags.json);
      if (answer !== undefined) output.out(answer);
    }
  } finally {
    store.close();
  }
  return EXIT.ok;
}
