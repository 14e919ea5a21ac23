#!/usr/bin/env node
// The `kvlab` executable: binds the dispatcher (run.ts) to this process's stdin, stdout and exit code.
// Output is written synchronously so that an answer printed is an answer delivered, even if the process
// is killed right after.

import { writeSync } from 'node:fs';
import { runCli } from './run.js';

const output = {
  out: (line: string): void => void writeSync(1, `${line}\n`),
  err: (line: string): void => void writeSync(2, `${line}\n`),
  // A live line only on a terminal; piped output gets the plain summary alone.
  ...(process.stdout.isTTY
    ? { progress: (text: string): void => void writeSync(1, `\r${text}\x1b[K`) }
    : {}),
};

process.exitCode = await runCli(process.argv.slice(2), output, process.stdin);
