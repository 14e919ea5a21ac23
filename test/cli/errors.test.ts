// No input and no environment produces a stack trace (issue 10, points 4 and 5): a sweep over hostile
// environments, each answered by one line naming the file and a documented exit code; and reads that
// never change a file (a torn tail left as it is, EROFS on every write, a real read-only mount).
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run.js';
import { FILES } from '../../src/engine/plan.js';
import { memoryFileSystem, type FileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';
import { kvlab } from './kvlab.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvlab-errors-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m]);
  rmSync(tmp, { recursive: true, force: true });
});

/** A store error: one stderr line `kvlab: CODE: … [FILE…]`, nothing on stdout, the code's exit. */
function expectOneLine(
  r: { code: number; stdout?: string; stderr?: string; out?: string[]; err?: string[] },
  exit: number,
  pattern: RegExp,
): void {
  const err = r.err ?? (r.stderr ?? '').split('\n').filter(Boolean);
  expect(err, JSON.stringify(r)).toHaveLength(1);
  expect(err[0]).toMatch(/^kvlab: [A-Z_]+: /);
  expect(err[0]).toMatch(pattern);
  expect(err[0]).not.toMatch(/unexpected error|\n\s+at /);
  expect(r.code).toBe(exit);
}

async function cli(fs: FileSystem, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    Readable.from(['']),
    fs,
  );
  return { code, out, err };
}

const WRITE_CALLS = ['mkdir', 'open', 'write', 'fsync', 'truncate', 'rename', 'unlink', 'fsyncDir'];

/** `fs` with its write calls failing with `code` from the `n`th one on (all of them when n = 0). */
function failingWrites(fs: FileSystem, code: string, n = 0): FileSystem {
  let calls = 0;
  const fail = (): never => {
    throw Object.assign(new Error(`${code}: injected`), { code });
  };
  const wrapped: Record<string, unknown> = { ...fs };
  for (const name of WRITE_CALLS) {
    const real = Reflect.get(fs, name);
    wrapped[name] = (...args: unknown[]) => (calls++ >= n ? fail() : Reflect.apply(real, fs, args));
  }
  return {
    ...fs,
    ...(wrapped as Partial<FileSystem>),
    lockDir: (dir, mode) => (mode === 'exclusive' && calls++ >= n ? fail() : fs.lockDir(dir, mode)),
  };
}

/** Every file's bytes, to check that nothing changed. */
function snapshotOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('hex')]),
  );
}

/** A real tmpfs (root only); undefined where this process may not mount. */
function mountTmpfs(name: string, size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = join(tmp, name);
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

describe('hostile environments give one line and a documented exit code', () => {
  it('ENOSPC at every step of a put, through the FileSystem seam', async () => {
    const base = memoryFileSystem();
    openStore('/db', { fs: base }).close();
    let steps = 0;
    for (let n = 0; n < 40; n++) {
      const r = await cli(failingWrites(base, 'ENOSPC', n), ['put', `k${n}`, 'v', '--dir', '/db']);
      if (r.code === 0) break;
      expectOneLine(r, 5, /ENOSPC.*\[.+\]$/);
      steps++;
    }
    expect(steps).toBeGreaterThan(2);
    // A read needs no write at all: it works on a disk where every write fails.
    const full = failingWrites(base, 'ENOSPC');
    expect((await cli(full, ['scan', '--dir', '/db'])).code).toBe(0);
  });

  it('a full disk at open (a real full tmpfs where we may mount, else the seam)', async () => {
    const disk = mountTmpfs('full', '256k');
    if (disk === undefined) {
      const r = await cli(failingWrites(memoryFileSystem(), 'ENOSPC', 2), ['put', 'a', 'b']);
      expectOneLine(r, 5, /ENOSPC/);
      return;
    }
    const db = join(disk, 'db');
    expect(kvlab(['put', 'a', '1', '--dir', db]).code).toBe(0);
    try {
      writeFileSync(join(disk, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the disk is now full
    }
    // The log's last page may still have room: write until it has none.
    let r = kvlab(['put', 'b', 'x'.repeat(2000), '--dir', db]);
    for (let i = 0; i < 10 && r.code === 0; i++)
      r = kvlab(['put', 'b', 'x'.repeat(2000), '--dir', db]);
    expectOneLine(r, 5, /ENOSPC.*\[kvlab\.wal\]/);
    expect(kvlab(['get', 'a', '--dir', db])).toMatchObject({ code: 0, stdout: '1\n' });
    expectOneLine(kvlab(['put', 'a', '1', '--dir', join(disk, 'new')]), 5, /ENOSPC/);
  });

  it('LOCK as a directory, a store file as a directory, an unreadable file, a stray subdirectory', async () => {
    const db = join(tmp, 'odd');
    expect(kvlab(['put', 'a', '1', '--dir', db]).code).toBe(0);
    mkdirSync(join(db, 'notes'));
    expect(kvlab(['verify', '--dir', db]).code).toBe(0);
    expect(kvlab(['inspect', '--dir', db]).stdout).toContain('notes (other, 0 bytes)');
    rmSync(join(db, FILES.lock));
    mkdirSync(join(db, FILES.lock));
    for (const argv of [['put', 'b', '2'], ['get', 'a'], ['scan']])
      expectOneLine(kvlab([...argv, '--dir', db]), 5, /LOCK is a directory \[LOCK\]$/);
    mkdirSync(join(db, FILES.snapshot));
    for (const command of ['verify', 'inspect'])
      expectOneLine(
        kvlab([command, '--dir', db]),
        5,
        new RegExp(`cannot read ${FILES.snapshot}.*\\[${FILES.snapshot}\\]$`),
      );
    const fs = memoryFileSystem();
    openStore('/db', { fs }).close();
    const unreadable: FileSystem = {
      ...fs,
      readFile: (p) => {
        if (p.endsWith(FILES.wal))
          throw Object.assign(new Error('EACCES: denied'), { code: 'EACCES' });
        return fs.readFile(p);
      },
    };
    for (const argv of [['get', 'a'], ['put', 'a', 'b'], ['verify'], ['inspect']])
      expectOneLine(await cli(unreadable, [...argv, '--dir', '/db']), 5, /EACCES.*\[kvlab\.wal\]$/);
  });

  it('a missing directory is NOT_FOUND for reads and is never created; a file as --dir is IO', () => {
    const missing = join(tmp, 'typo');
    for (const argv of [['get', 'a'], ['scan'], ['stats'], ['verify'], ['inspect']])
      expectOneLine(kvlab([...argv, '--dir', missing]), 1, /NOT_FOUND: no store directory/);
    expect(readdirSync(tmp)).not.toContain('typo');
    writeFileSync(join(tmp, 'plain'), 'x');
    expectOneLine(kvlab(['get', 'a', '--dir', join(tmp, 'plain')]), 5, /IO: /);
  });

  it('a shell whose store failed exits with the failure code, 5', async () => {
    const fs = memoryFileSystem();
    let failing = false;
    const flaky: FileSystem = {
      ...fs,
      fsync: (fd) => {
        if (failing) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
        fs.fsync(fd);
      },
    };
    // The generator runs when the shell reads its first line, that is after the store opened.
    const lines = (function* () {
      failing = true;
      yield 'put a 1\nget a\n';
    })();
    const out: string[] = [];
    const code = await runCli(
      ['shell', '--dir', '/db'],
      { out: (l) => out.push(l), err: (l) => out.push(l) },
      Readable.from(lines),
      flaky,
    );
    expect(out[0]).toMatch(/^error IO: .*EIO/);
    expect(code).toBe(5);
  });

  it('a system error escaping a command is one line too', () => {
    writeFileSync(join(tmp, 'file'), 'x');
    expectOneLine(kvlab(['bugs', '--docs', '--out', join(tmp, 'file', 'docs')]), 5, /IO: .*file/);
  });

  it('a malformed counterexample, and store.scan(null)', () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'kvlab-counterexample/1', commands: [{ x: 1 }], options: {} }),
    );
    const r = kvlab(['replay', file]);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^kvlab: INVALID_ARGUMENT: .*bad\.json/);
    expect(r.code).toBe(2);
    writeFileSync(file, '{"format": ');
    expectOneLine(kvlab(['replay', file]), 2, /bad\.json is not JSON/);
    expectOneLine(kvlab(['replay', join(tmp, 'none.json')]), 1, /no counterexample file/);
    const s = openStore('/db', { fs: memoryFileSystem() });
    expect(() => s.scan(null as never)).toThrow(/INVALID_ARGUMENT: scan takes an object/);
    s.close();
  });
});

describe('reads never change files', () => {
  it('get on a torn tail leaves every byte; a writable open cuts it and says so', () => {
    const db = join(tmp, 'torn');
    expect(kvlab(['put', 'a', '1', '--dir', db]).code).toBe(0);
    appendFileSync(join(db, FILES.wal), Buffer.from([0x17, 0x2a, 0x00, 0x09, 0x00]));
    const before = snapshotOf(db);
    for (const argv of [['get', 'a'], ['scan'], ['stats'], ['verify'], ['inspect']])
      kvlab([...argv, '--dir', db]);
    expect(kvlab(['get', 'a', '--dir', db])).toMatchObject({ code: 0, stdout: '1\n', stderr: '' });
    expect(snapshotOf(db)).toEqual(before);
    const stats = JSON.parse(kvlab(['stats', '--json', '--dir', db]).stdout);
    expect(stats.recoveryReport).toMatchObject({
      repairsDone: false,
      dropped: [expect.anything()],
    });
    const put = kvlab(['put', 'b', '2', '--dir', db]);
    expect(put.stderr).toMatch(/^kvlab: recovery cut kvlab\.wal at offset \d+, dropping 5 bytes/);
    expect(kvlab(['stats', '--dir', db]).stdout).not.toContain('undefined');
  });

  it('get and scan work when every write fails with EROFS (seam) and on a real read-only mount', async () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs });
    s.put('a', '1');
    s.close();
    const ro = failingWrites(fs, 'EROFS');
    expect(await cli(ro, ['get', 'a', '--dir', '/db'])).toMatchObject({ code: 0, out: ['1'] });
    expect(await cli(ro, ['scan', '--dir', '/db'])).toMatchObject({ code: 0, out: ['a\t1'] });
    expectOneLine(await cli(ro, ['put', 'b', '2', '--dir', '/db']), 5, /EROFS/);
    const disk = mountTmpfs('ro', '1m');
    const db = join(disk ?? tmp, 'rodb');
    expect(kvlab(['put', 'a', '1', '--dir', db]).code).toBe(0);
    const readOnly = (ro: boolean): void => {
      if (disk !== undefined) execFileSync('mount', ['-o', `remount,${ro ? 'ro' : 'rw'}`, disk]);
      else execFileSync('chmod', [ro ? 'a-w' : 'u+w', db]);
    };
    readOnly(true); // LOCK is there: the read takes the shared lock on it
    expect(kvlab(['get', 'a', '--dir', db])).toMatchObject({ code: 0, stdout: '1\n' });
    readOnly(false);
    rmSync(join(db, FILES.lock)); // a store written by an older kvlab, or copied without LOCK
    readOnly(true);
    expect(kvlab(['get', 'a', '--dir', db])).toMatchObject({ code: 0, stdout: '1\n' });
    expect(kvlab(['scan', '--dir', db])).toMatchObject({ code: 0, stdout: 'a\t1\n' });
    expect(readdirSync(db)).not.toContain(FILES.lock);
    if (disk !== undefined)
      expectOneLine(kvlab(['put', 'b', '2', '--dir', db]), 5, /EROFS.*\[LOCK\]/);
  });
});
