// A property of the whole CLI, in-process on an in-memory disk: random argv (commands, options, data
// starting with `-`, `--`, `--help`) over random store files and random shell input never prints
// "unexpected error" or a stack trace, always exits with a documented code, and an error is one line.
// (fuzz, demo, bugs and table are left out: they run campaigns or write to the real disk.)
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT_MEANING } from '../../cli/flags.js';
import { runCli } from '../../cli/run.js';
import { FILES } from '../../src/engine/plan.js';
import { memoryFileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';
import { runSeed } from '../seed.js';

const COMMANDS = ['put', 'get', 'del', 'scan', 'snapshot', 'compact', 'sync', 'stats', 'inspect'];
const WORDS = [
  ...COMMANDS,
  'verify',
  'shell',
  'help',
  'replay',
  '--dir',
  '/db',
  '/nowhere',
  '--json',
  '--sync',
  'none',
  '--recovery',
  'salvage',
  '--from',
  '--to',
  '--limit',
  '3',
  '-1',
  '--',
  '--help',
  '-h',
  '--bogus',
  '--limit=-2',
  '',
];

const argvArb = fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), {
  maxLength: 7,
});
const fileArb = fc.record({
  name: fc.constantFrom(FILES.wal, FILES.snapshot, FILES.walTmp, FILES.lock, 'other'),
  bytes: fc.uint8Array({ maxLength: 200 }),
  mode: fc.constantFrom('replace', 'append', 'flip'),
});
const shellArb = fc.array(
  fc.oneof(
    fc.constantFrom(
      'put a b',
      'get a',
      'scan --limit 1',
      'put "-x" y',
      'del --dir x',
      '"',
      'stats',
    ),
    fc.string({ maxLength: 12 }),
  ),
  { maxLength: 5 },
);

describe('the CLI under random input', () => {
  it('never prints an unexpected error or a stack, and exits with a documented code', async () => {
    const seed = runSeed();
    const name = 'cli random argv and files';
    console.log(
      `[seed] ${name}: seed=${seed} (rerun: KVLAB_SEED=${seed} npx vitest run -t "never prints")`,
    );
    await fc.assert(
      fc.asyncProperty(
        argvArb,
        fc.array(fileArb, { maxLength: 2 }),
        shellArb,
        async (argv, files, lines) => {
          const fs = memoryFileSystem();
          const s = openStore('/db', { fs, compactWrites: 3 });
          for (const k of ['a', 'b', 'c', 'd']) s.put(k, `v-${k}`);
          s.close();
          for (const f of files) {
            const path = `/db/${f.name}`;
            const old = fs.readFile(path) ?? new Uint8Array();
            const bytes =
              f.mode === 'replace'
                ? f.bytes
                : f.mode === 'append'
                  ? new Uint8Array([...old, ...f.bytes])
                  : old.map((b, i) =>
                      i === (f.bytes[0] ?? 0) % Math.max(1, old.length) ? b ^ 0x10 : b,
                    );
            const fd = fs.open(path, 'w');
            fs.write(fd, bytes, 0);
            fs.close(fd);
          }
          const printed: string[] = [];
          const out = (l: string): void => void printed.push(l);
          const code = await runCli(argv, { out, err: out }, Readable.from([lines.join('\n')]), fs);
          const text = printed.join('\n');
          expect(text, JSON.stringify(argv)).not.toMatch(
            /unexpected error|\n\s+at |TypeError|RangeError/,
          );
          expect(Object.keys(EXIT_MEANING)).toContain(String(code));
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
