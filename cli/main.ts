#!/usr/bin/env node
// The `kvlab` executable: binds the dispatcher (run.ts) to this process's stdin, stdout and exit code.
// Output is written synchronously and in full (output.ts) so that an answer printed is an answer
// delivered, even through a slow pipe, and even if the process is killed right after.

import { isatty } from 'node:tty';
import { fdWriter } from './output.js';
import { runCli } from './run.js';

const stdout = fdWriter(1);
const stderr = fdWriter(2);
// isatty(1), not process.stdout.isTTY: touching process.stdout would make a pipe non-blocking.
const output = {
  out: (line: string): void => stdout.write(`${line}\n`),
  err: (line: string): void => stderr.write(`${line}\n`),
  // A live line only on a terminal; piped output gets the plain summary alone.
  ...(isatty(1) ? { progress: (text: string): void => stdout.write(`\r${text}\x1b[K`) } : {}),
};

process.exitCode = await runCli(process.argv.slice(2), output, () => process.stdin);
