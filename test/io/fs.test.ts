// Tests for the shell's edges: the node-fs adapter (short writes, string reads, missing files), the plan
// runner's error reporting, and the lock's liveness rules (a recycled pid, an empty lock file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FILES } from '../../src/engine/plan.js';
import {
  adaptFs,
  memoryFileSystem,
  nodeFileSystem,
  type FileSystem,
  type NodeLikeFs,
} from '../../src/io/fs.js';
import { acquireLock } from '../../src/io/lock.js';
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
        writeSync: (_fd, _b, offset, length) => (written.push(offset), Math.min(2, length)),
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
        fstatSync: () => ({ size: 0 }),
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
  it('holds a lock whose owner exists but is not ours to signal (kill(pid, 0) gives EPERM)', () => {
    writeFileSync(join(dir, FILES.lock), '1 \n');
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('not permitted'), { code: 'EPERM' });
    });
    try {
      expect(() => nodeFileSystem.lockDir(dir, 'exclusive')).toThrow(
        expect.objectContaining({ code: 'LOCKED' }),
      );
    } finally {
      kill.mockRestore();
      rmSync(join(dir, FILES.lock), { force: true });
    }
  });

  it('takes over a lock whose pid is alive but was recycled (another start time), or that is empty', () => {
    writeFileSync(join(dir, FILES.lock), `${process.pid} 1\n`);
    acquireLock(nodeFileSystem, dir).release();
    writeFileSync(join(dir, FILES.lock), '');
    const lock = acquireLock(nodeFileSystem, dir);
    lock.release();
    lock.release();
  });

  it('reports a directory it cannot lock as IO, and one it cannot create as IO', () => {
    expect(() => acquireLock(nodeFileSystem, join(dir, 'no', 'such'))).toThrow(
      expect.objectContaining({ code: 'IO' }),
    );
    writeFileSync(join(dir, 'a-file'), 'x');
    expect(() => openStore(join(dir, 'a-file', 'db'))).toThrow(
      expect.objectContaining({ code: 'IO' }),
    );
  });
});
