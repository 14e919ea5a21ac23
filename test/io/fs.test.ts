// Tests for the shell's edges: the node-fs adapter (short writes, string reads, missing files), the plan
// runner's error reporting, and the directory lock's rules (kernel locks on a real disk, a table in memory).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILES } from '../../src/engine/plan.js';
import {
  adaptFs,
  memoryFileSystem,
  nodeFileSystem,
  type FileSystem,
  type NodeLikeFs,
} from '../../src/io/fs.js';
import { acquireLock, kernelLocks } from '../../src/io/lock.js';
import * as nodeFs from 'node:fs';
import { PlanRunner } from '../../src/io/runner.js';
import { openStore } from '../../src/io/store.js';

const dir = mkdtempSync(join(tmpdir(), 'kvlab-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A node-like fs whose calls are scripted, to reach the adapter's rare branches. */
function scripted(overrides: Partial<NodeLikeFs>): NodeLikeFs {
  const fail = (): never => {
    throw Object.assign(new Error('not scripted'), { code: 'ENOSYS' });
  };
  return {
    mkdirSync: fail,
    readdirSync: fail,
    readFileSync: fail,
    openSync: fail,
    writeSync: fail,
    fstatSync: fail,
    statSync: fail,
    fdatasyncSync: fail,
    fsyncSync: fail,
    ftruncateSync: fail,
    closeSync: fail,
    renameSync: fail,
    unlinkSync: fail,
    ...overrides,
  };
}

describe('the fs adapter', () => {
  it('finishes short writes, and fails a write that makes no progress with EIO', () => {
    const written: number[] = [];
    const fs = adaptFs(
      scripted({
        writeSync: (_fd, _b, offset, length) => {
          written.push(offset);
          return Math.min(2, length);
        },
      }),
    );
    fs.write(3, new Uint8Array(5), 0);
    expect(written).toEqual([0, 2, 4]);
    const stuck = adaptFs(scripted({ writeSync: () => 0 }));
    expect(() => stuck.write(3, new Uint8Array(1), 0)).toThrow(
      expect.objectContaining({ code: 'EIO' }),
    );
  });

  it('reads strings as UTF-8, a missing file as undefined, and rethrows other errors', () => {
    expect(adaptFs(scripted({ readFileSync: () => 'hé' })).readFile('x')).toEqual(
      new TextEncoder().encode('hé'),
    );
    expect(
      adaptFs(
        scripted({
          readFileSync: () => {
            throw Object.assign(new Error('gone'), { code: 'ENOENT' });
          },
        }),
      ).readFile('x'),
    ).toBeUndefined();
    expect(() => adaptFs(scripted({})).readFile('x')).toThrow(/not scripted/);
    expect(nodeFileSystem.readFile(join(dir, 'missing'))).toBeUndefined();
  });

  it('surfaces an fsync that fails with EIO, and a failed directory fsync, never swallowing them', () => {
    const eio = (): never => {
      throw Object.assign(new Error('writeback failed'), { code: 'EIO' });
    };
    const fs = adaptFs(
      scripted({
        fdatasyncSync: eio,
        fsyncSync: eio,
        openSync: () => 7,
        closeSync: () => {},
        fstatSync: () => ({ size: 0, ino: 1, dev: 1, isDirectory: () => false }),
      }),
    );
    expect(() => fs.fsync(3)).toThrow(expect.objectContaining({ code: 'EIO' }));
    expect(() => fs.fsyncDir('/d')).toThrow(expect.objectContaining({ code: 'EIO' }));
    // The runner turns it into IO naming the step: the store then goes FAILED and never retries.
    const runner = new PlanRunner(fs, '/d');
    expect(() => runner.run([{ kind: 'fsync', file: 'f' }])).toThrow(/IO: fsync f failed \(EIO\)/);
  });

  it('finishes a short write at the offset where it stopped', () => {
    const calls: [number, number, number][] = [];
    const fs = adaptFs(
      scripted({
        writeSync: (_fd, _b, offset, length, position) => {
          calls.push([offset, length, position]);
          return Math.min(3, length);
        },
      }),
    );
    fs.write(3, new Uint8Array(7), 100);
    expect(calls).toEqual([
      [0, 7, 100],
      [3, 4, 103],
      [6, 1, 106],
    ]);
  });

  it('fsyncs a real directory', () => {
    expect(() => nodeFileSystem.fsyncDir(dir)).not.toThrow();
  });
});

describe('the plan runner', () => {
  it('reports a failed step as IO naming the step and file, and a misplaced append as INTERNAL', () => {
    const fs = memoryFileSystem();
    fs.mkdir('/d');
    const runner = new PlanRunner(fs, '/d');
    expect(() => runner.run([{ kind: 'rename', from: 'nope', to: 'x' }])).toThrow(
      /IO: rename nope -> x failed \(ENOENT\).*\[nope\]/,
    );
    runner.run([
      { kind: 'create', file: 'f' },
      { kind: 'append', file: 'f', offsetBytes: 0, data: new Uint8Array(3) },
      { kind: 'truncate', file: 'f', sizeBytes: 1 },
    ]);
    expect(() =>
      runner.run([{ kind: 'append', file: 'f', offsetBytes: 3, data: new Uint8Array(1) }]),
    ).toThrow(/INTERNAL: append at 3 but the file holds 1 bytes/);
    const broken: FileSystem = {
      ...fs,
      fsyncDir: () => {
        throw new Error('no');
      },
      close: () => {
        throw new Error('close failed');
      },
    };
    const other = new PlanRunner(broken, '/d');
    expect(() => other.run([{ kind: 'fsyncDir' }])).toThrow(/fsync-dir failed: no \[\.\]/);
    other.run([{ kind: 'create', file: 'g' }]);
    expect(() => other.closeAll()).not.toThrow();
  });
});

describe('the lock', () => {
  it('excludes a second writer and a reader, lets readers share, and is kept after release', () => {
    const d = join(dir, 'locks');
    mkdirSync(d);
    const writer = acquireLock(nodeFs, kernelLocks, d, 'exclusive');
    expect(() => acquireLock(nodeFs, kernelLocks, d, 'exclusive')).toThrow(/LOCKED: .* in use/);
    expect(() => acquireLock(nodeFs, kernelLocks, d, 'shared')).toThrow(/by a writer/);
    writer.release();
    writer.release();
    expect(writer.valid()).toBe(false);
    expect(existsSync(join(d, FILES.lock))).toBe(true);
    const r1 = acquireLock(nodeFs, kernelLocks, d, 'shared');
    const r2 = acquireLock(nodeFs, kernelLocks, d, 'shared');
    expect(r1.valid() && r2.valid()).toBe(true);
    expect(() => acquireLock(nodeFs, kernelLocks, d, 'exclusive')).toThrow(/LOCKED/);
    r1.release();
    r2.release();
    acquireLock(nodeFs, kernelLocks, d, 'exclusive').release();
  });

  it('reads without creating LOCK, valid only while LOCK stays absent', () => {
    const d = join(dir, 'nolock');
    mkdirSync(d);
    const reader = acquireLock(nodeFs, kernelLocks, d, 'shared');
    expect(existsSync(join(d, FILES.lock))).toBe(false);
    expect(reader.valid()).toBe(true);
    acquireLock(nodeFs, kernelLocks, d, 'exclusive').release();
    expect(reader.valid()).toBe(false);
    reader.release();
  });

  it('relocks when LOCK is replaced under it, and reports LOCK as a directory and a missing dir', () => {
    const d = join(dir, 'odd');
    mkdirSync(join(d, FILES.lock), { recursive: true });
    for (const mode of ['exclusive', 'shared'] as const)
      expect(() => acquireLock(nodeFs, kernelLocks, d, mode)).toThrow(/LOCK is a directory/);
    expect(() => acquireLock(nodeFs, kernelLocks, join(dir, 'no', 'such'), 'exclusive')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    let swaps = 0;
    const swapping = { ...nodeFs, statSync: (p: string) => nodeFs.statSync(swaps++ < 1 ? dir : p) };
    const lockDir = join(dir, 'swapped');
    mkdirSync(lockDir);
    acquireLock(swapping, kernelLocks, lockDir, 'exclusive').release();
    expect(() =>
      acquireLock(
        { ...nodeFs, statSync: () => nodeFs.statSync(dir) },
        kernelLocks,
        lockDir,
        'exclusive',
      ),
    ).toThrow(/keeps being replaced/);
    writeFileSync(join(dir, 'a-file'), 'x');
    expect(() => openStore(join(dir, 'a-file', 'db'))).toThrow(
      expect.objectContaining({ code: 'IO' }),
    );
  });

  it('says IO when LOCK cannot be opened, and relocks when LOCK vanished after the open', () => {
    const denied = {
      ...nodeFs,
      openSync: (): number => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    };
    expect(() => acquireLock(denied, kernelLocks, dir, 'exclusive')).toThrow(
      /IO: cannot open the lock: EACCES.*\[LOCK\]/,
    );
    let vanished = 0;
    const vanishing = {
      ...nodeFs,
      statSync: (p: string) => {
        if (vanished++ === 0) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return nodeFs.statSync(p);
      },
    };
    acquireLock(vanishing, kernelLocks, dir, 'exclusive').release();
    expect(vanished).toBe(2);
  });

  it('keeps the same rules in memory, per disk', () => {
    const fs = memoryFileSystem();
    fs.mkdir('/d');
    const w = fs.lockDir('/d', 'exclusive');
    expect(() => fs.lockDir('/d', 'shared')).toThrow(/LOCKED/);
    expect(() => memoryFileSystem().lockDir('/', 'exclusive').release()).not.toThrow();
    w.release();
    const r = fs.lockDir('/d', 'shared');
    fs.lockDir('/d', 'shared').release();
    expect(() => fs.lockDir('/d', 'exclusive')).toThrow(/LOCKED/);
    r.release();
    fs.lockDir('/d', 'exclusive').release();
  });
});
