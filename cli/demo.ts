// `kvlab demo` (and, for now, `npm start`): a short tour on a temporary directory. It runs the real
// commands in-process and prints each as if typed, so the transcript is exactly what a user would see.

import { mkdtempSync, openSync, closeSync, writeSync, fstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILES } from '../src/engine/plan.js';
import type { Output } from './app.js';

/** Run the tour. `run` executes one kvlab command line and returns its exit code. */
export function runDemo(run: (argv: string[]) => number, output: Output): number {
  const dir = mkdtempSync(join(tmpdir(), 'kvlab-demo-'));
  const say = (text: string): void => output.out(`\n# ${text}`);
  const cmd = (...argv: string[]): number => {
    output.out(
      `$ kvlab ${argv.map((a) => (/^[\w./=-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`,
    );
    const code = run([...argv, '--dir', dir]);
    if (code !== 0) output.out(`(exit ${code})`);
    return code;
  };
  try {
    output.out(`kvlab demo, in ${dir}`);
    say('Writes are acknowledged once fsynced. Any string is a key or a value.');
    cmd('put', 'city', 'Lisbon');
    cmd('put', 'note', 'two\nlines | and a pipe');
    cmd('put', '😀', 'astral keys sort after U+FFFF, by UTF-8 bytes');
    cmd('del', 'city');
    cmd('scan');
    say('Every record of every file, with its offset, LSN and CRC.');
    cmd('inspect');
    say('Compaction writes the snapshot first, then restarts the log after it.');
    cmd('compact');
    cmd('put', 'after', 'compaction');
    cmd('put', 'later', 'still');
    cmd('inspect');
    say(
      'A crash mid-append leaves a torn record at the end of the log. verify reports every byte that is\n# not an intact record, so it exits 3; but it names this one a torn tail, which recovery expects.',
    );
    const wal = join(dir, FILES.wal);
    const fd = openSync(wal, 'r+');
    const size = fstatSync(fd).size;
    writeSync(fd, new Uint8Array([0x17, 0x2a, 0x00, 0x09, 0x00]), 0, 5, size);
    closeSync(fd);
    cmd('verify');
    say('A read (get) opens read-only: it recovers in memory and changes no file.');
    cmd('get', 'after');
    say('A write opens the store for writing: it cuts the torn tail first, and says so.');
    cmd('put', 'mended', 'yes');
    cmd('verify');
    say(
      'A flipped byte with intact records after it is corruption: verify names the file and offset,\n# and the default recovery mode refuses to open rather than silently drop acknowledged writes.',
    );
    const fd2 = openSync(wal, 'r+');
    writeSync(fd2, new Uint8Array([0xff]), 0, 1, 40); // inside the first record after the 22-byte header
    closeSync(fd2);
    cmd('verify');
    cmd('get', 'later');
    say(
      'Recovery mode point-in-time keeps the intact prefix instead; a writable open cuts the log there.',
    );
    cmd('get', 'later', '--recovery', 'point-in-time');
    cmd('sync', '--recovery', 'point-in-time');
    cmd('scan');
    output.out('\nNext: npm test runs the checker; npx kvlab help lists every command.');
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
