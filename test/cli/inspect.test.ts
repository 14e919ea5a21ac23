// cli/inspect.ts: `kvlab verify` reaches the verdict open reaches, through the same code (assessLog
// and recoverFrom), for a missing log header, a torn tail and damage in the middle of the log, in
// every recovery mode; `inspect --hex` lays out every field, torn records included; and a writable
// open from the CLI says what it repaired.
import { describe, expect, it } from 'vitest';
import { runStoreCommand } from '../../cli/app.js';
import { parseCommandLine } from '../../cli/flags.js';
import { hexLines, inspectDir, verifyDir } from '../../cli/inspect.js';
import { errorMessage, isKvError } from '../../src/engine/errors.js';
import { FILES } from '../../src/engine/plan.js';
import { RECOVERY_MODES } from '../../src/engine/state.js';
import { memoryFileSystem, type FileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';

/** A store of three puts, with its log then changed by `edit`. */
function store(edit: (wal: Uint8Array) => Uint8Array): FileSystem {
  const fs = memoryFileSystem();
  const s = openStore('/db', { fs });
  for (const k of ['a', 'b', 'c']) s.put(k, `value of ${k}`);
  s.close();
  const path = `/db/${FILES.wal}`;
  const bytes = edit((fs.readFile(path) ?? new Uint8Array()).slice());
  fs.unlink(path);
  const fd = fs.open(path, 'w');
  fs.write(fd, bytes, 0);
  fs.close(fd);
  return fs;
}

const CASES: [string, (wal: Uint8Array) => Uint8Array][] = [
  ['a missing log header', (wal) => wal.subarray(0, 10)],
  ['a torn tail', (wal) => wal.subarray(0, wal.length - 5)],
  [
    'damage in the middle of the log',
    (wal) => {
      const second = wal.indexOf(0xff, wal.indexOf(0xff) + 1);
      wal[second + 2] = (wal[second + 2] as number) ^ 0x01;
      return wal;
    },
  ],
];

describe('verify and open', () => {
  it.each(CASES)('agree on %s, in every mode', (_, edit) => {
    for (const mode of RECOVERY_MODES) {
      const fs = store(edit);
      const verdict = verifyDir(fs, '/db', mode);
      expect(verdict.problems.length, mode).toBeGreaterThan(0);
      let refused = false;
      try {
        openStore('/db', { fs, recovery: mode, readOnly: true }).close();
      } catch (e) {
        expect(isKvError(e, 'CORRUPTED'), String(e)).toBe(true);
        refused = true;
        expect(verdict.open).toContain(errorMessage(e));
      }
      expect(verdict.refuses, `${mode}: ${verdict.open}`).toBe(refused);
    }
  });

  it('never calls a missing header a torn tail', () => {
    const verdict = verifyDir(store(CASES[0]?.[1] ?? ((w) => w)), '/db');
    expect(verdict.problems.map((p) => p.what).join('\n')).not.toMatch(/torn tail/);
    expect(verdict.open).toMatch(/^refuses in tolerate-tail: CORRUPTED: the log's header/);
  });
});

describe('inspect --hex', () => {
  it('lays out every field of every record, a torn one included, covering the file', () => {
    const fs = store(CASES[1]?.[1] ?? ((w) => w));
    const log = inspectDir(fs, '/db').find((f) => f.file === FILES.wal);
    const bytes = fs.readFile(`/db/${FILES.wal}`) ?? new Uint8Array();
    expect(log?.layout.reduce((n, f) => n + f.lengthBytes, 0)).toBe(bytes.length);
    const lines = hexLines(bytes, log?.layout ?? []);
    expect(lines[0]).toMatch(/^ {2}@0 +4b564c57 +magic "KVLW"$/);
    expect(lines).toContainEqual(expect.stringMatching(/value \[0\] "value of a"$/));
    expect(lines).toContainEqual(expect.stringMatching(/marker \[2\] dropped: truncated-record$/));
  });
});

describe('a writable open from the CLI', () => {
  it('prints each repair recovery made on stderr', () => {
    const fs = store(CASES[1]?.[1] ?? ((w) => w));
    const { command, args, flags } = parseCommandLine(['put', 'b', 'x', '--dir', '/db']);
    const out: string[] = [];
    const err: string[] = [];
    const code = runStoreCommand(
      command,
      args,
      flags,
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      },
      fs,
    );
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^ok \d+$/)]);
    expect(err).toEqual([
      expect.stringMatching(
        /^kvlab: recovery cut kvlab.wal at offset \d+, dropping \d+ bytes: truncated-record/,
      ),
    ]);
  });
});
