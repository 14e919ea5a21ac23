// The CLI's dispatcher: which function serves which command. main.ts binds it to the process;
// tests call it in-process with a memfs FileSystem or spawn the built binary.

import type { Readable } from 'node:stream';
import type { FileSystem } from '../src/io/fs.js';
import { nodeFileSystem } from '../src/io/fs.js';
import {
  DATA_COMMANDS,
  EXIT,
  USAGE,
  parseCommandLine,
  reportError,
  runFileCommand,
  runStoreCommand,
  type Output,
} from './app.js';
import { runCheck } from './check.js';
import { runBugs, runFuzz, runReplay, runTable } from './checker.js';
import { runDemo } from './demo.js';
import { runShell } from './shell.js';

/** Run `kvlab argv...`; resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  output: Output,
  input: Readable,
  fs: FileSystem = nodeFileSystem,
): Promise<number> {
  let json = argv.includes('--json');
  try {
    const { command, args, flags } = parseCommandLine(argv);
    json = flags.json;
    if (command === 'help' || command === '') {
      output.out(USAGE);
      return command === 'help' ? EXIT.ok : EXIT.usage;
    }
    if (command === 'inspect' || command === 'verify')
      return runFileCommand(command, fs, flags, output);
    if (command === 'shell') return await runShell(flags, input, output, fs);
    if (command === 'fuzz') return await runFuzz(flags, output);
    if (command === 'check') return await runCheck(flags, output);
    if (command === 'replay') return await runReplay(args, flags, output);
    if (command === 'bugs') return await runBugs(flags, output);
    if (command === 'table') return await runTable(flags, output);
    if (command === 'demo') {
      // One stream, so that each error appears right under the command that caused it.
      const transcript: Output = {
        out: (line) => output.out(line),
        err: (line) => output.out(line),
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
