// The CLI's dispatcher: which function serves which command. main.ts binds it to the process;
// tests call it in-process with a memfs FileSystem or spawn the built binary.

import type { Readable } from 'node:stream';
import { KvError } from '../src/engine/errors.js';
import type { FileSystem } from '../src/io/fs.js';
import { nodeFileSystem } from '../src/io/fs.js';
import {
  DATA_COMMANDS,
  EXIT,
  reportError,
  runFileCommand,
  runStoreCommand,
  type Output,
} from './app.js';
import { runCheck } from './check.js';
import { runBugs, runFuzz, runReplay, runTable } from './checker.js';
import { runDemo } from './demo.js';
import { helpJson, helpText, isCommand, parseCommandLine, type CommandLine } from './flags.js';
import { runShell } from './shell.js';

/** `kvlab help [COMMAND]`, `kvlab --help`, `kvlab COMMAND --help`: print help and do nothing else. */
function runHelp({ command, args, flags }: CommandLine, output: Output): number {
  const topic = command === 'help' ? args[0] : command === '' ? undefined : command;
  if (topic !== undefined && !isCommand(topic))
    throw new KvError('INVALID_ARGUMENT', `no command "${topic}"; kvlab help lists them`);
  if (command === '' && !flags.help) {
    output.err(helpText());
    return EXIT.usage;
  }
  output.out(flags.json ? JSON.stringify(helpJson(topic)) : helpText(topic));
  return EXIT.ok;
}

/**
 * Run `kvlab argv...`; resolves to the exit code. `input` is stdin, or a function that opens it: only
 * `shell` reads it, and opening process.stdin on a pipe would make that pipe non-blocking for
 * every process that shares it.
 */
export async function runCli(
  argv: readonly string[],
  output: Output,
  input: Readable | (() => Readable),
  fs: FileSystem = nodeFileSystem,
): Promise<number> {
  let json = argv.includes('--json');
  try {
    const line = parseCommandLine(argv);
    const { command, args, flags } = line;
    json = flags.json;
    if (flags.help || command === 'help' || command === '') return runHelp(line, output);
    if (command === 'inspect' || command === 'verify')
      return runFileCommand(command, fs, flags, output);
    if (command === 'shell')
      return await runShell(flags, args, typeof input === 'function' ? input() : input, output, fs);
    if (command === 'fuzz') return await runFuzz(flags, output);
    if (command === 'check') return await runCheck(flags, output);
    if (command === 'replay') return await runReplay(args, flags, output);
    if (command === 'bugs') return await runBugs(flags, output);
    if (command === 'table') return await runTable(flags, output);
    if (command === 'demo') {
      // One stream, so that each error appears right under the command that caused it.
      const transcript: Output = {
        out: (text) => output.out(text),
        err: (text) => output.out(text),
      };
      // The tour runs on a real temporary directory, so on the real disk whatever `fs` was given.
      return runDemo((more) => runCliSync(more, transcript, nodeFileSystem), transcript);
    }
    return runStoreCommand(command, args, flags, output, fs);
  } catch (e) {
    return reportError(e, output, json);
  }
}

/** The synchronous subset (every command but shell), for the demo. */
function runCliSync(argv: readonly string[], output: Output, fs: FileSystem): number {
  try {
    const { command, args, flags } = parseCommandLine(argv);
    if (command === 'inspect' || command === 'verify')
      return runFileCommand(command, fs, flags, output);
    if (!DATA_COMMANDS.includes(command)) return EXIT.usage;
    return runStoreCommand(command, args, flags, output, fs);
  } catch (e) {
    return reportError(e, output, argv.includes('--json'));
  }
}
