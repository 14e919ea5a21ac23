// Tests for src/io/store.ts on memfs: the API end to end, reopen, automatic compaction, limits, the
// read-only mode, and FAILED after an I/O error (a FileSystem whose chosen call throws EIO).
import { describe, expect, it } from 'vitest';
import { memoryFileSystem, type FileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';
import { FILES } from '../../src/engine/plan.js';
import { ALLOWED } from '../../src/engine/state.js';

/** A FileSystem whose `method` throws EIO from its `nth` call on (1-based) while `armed`. */
function failing(
  fs: FileSystem,
  method: keyof FileSystem,
  nth: number,
): FileSystem & { calls: number } {
  const wrapper = { ...fs, calls: 0 } as FileSystem & { calls: number };
  const original = fs[method] as (...args: unknown[]) => unknown;
  (wrapper as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    wrapper.calls++;
    if (wrapper.calls >= nth) throw Object.assign(new Error('simulated EIO'), { code: 'EIO' });
    return original(...args);
  };
  return wrapper;
}

describe('store on memfs', () => {
  it('serves gets without the permission check only in phases that allow reads', () => {
    // store.get takes READY and COMPACTING on trust and asks check() in every other phase.
    expect(ALLOWED.READY).toContain('read');
    expect(ALLOWED.COMPACTING).toContain('read');
  });

  it('puts, gets, deletes, batches, scans, and survives a reopen', () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs });
    expect(s.put('b', '2')).toBe(1);
    expect(s.put('a', 'x\ny|z')).toBe(2);
    expect(s.del('b')).toBe(3);
    expect(
      s.batch([
        { op: 'put', key: 'c', value: '' },
        { op: 'put', key: '😀', value: 'e' },
        { op: 'del', key: 'a' },
      ]),
    ).toBe(4);
    expect(s.get('a')).toBeUndefined();
    expect(s.scan()).toEqual([
      { key: 'c', value: '' },
      { key: '😀', value: 'e' },
    ]);
    expect(s.scan({ from: 'd' })).toEqual([{ key: '😀', value: 'e' }]);
    s.close();
    const again = openStore('/db', { fs });
    expect(again.scan()).toEqual([
      { key: 'c', value: '' },
      { key: '😀', value: 'e' },
    ]);
    expect(again.stats()).toMatchObject({ lastLsn: 4, keys: 2, phase: 'READY' });
    expect(again.recovery.replayed).toBe(4);
    again.close();
  });

  it('compacts automatically at the threshold and recovers from the snapshot', () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs, compactWrites: 10, treeOrder: 3 });
    for (let i = 0; i < 25; i++) s.put(`k${i % 7}`, `v${i}`);
    s.del('k1');
    expect(s.stats()).toMatchObject({ snapshotLsn: 20, walBaseLsn: 20, writesSinceCompact: 6 });
    expect(s.checkInvariants()).toEqual([]);
    const before = s.scan();
    s.close();
    const again = openStore('/db', { fs, treeOrder: 3 });
    expect(again.scan()).toEqual(before);
    expect(again.recovery).toMatchObject({ snapshotLsn: 20, replayed: 6 });
    again.close();
  });

  it('finishes an automatic compaction in progress at close, so that the next open replays little', () => {
    const fs = memoryFileSystem();
    // Slices of 64 bytes: the compaction begun at the 10th write lasts many writes.
    const s = openStore('/db', { fs, compactWrites: 10, compactSliceBytes: 64, treeOrder: 3 });
    for (let i = 0; i < 11; i++) s.put(`key${i}`, 'v'.repeat(40));
    expect(s.stats().phase).toBe('COMPACTING');
    const before = s.scan();
    s.close();
    expect(fs.readdir('/db').sort()).toEqual(['LOCK', FILES.snapshot, FILES.wal].sort());
    const again = openStore('/db', { fs, treeOrder: 3 });
    expect(again.scan()).toEqual(before);
    // The snapshot holds the state when the compaction began (LSN 10); only the 11th write replays.
    expect(again.recovery).toMatchObject({ snapshotLsn: 10, replayed: 1 });
    again.close();
  });

  it('acknowledges under sync none without fsync, and makes writes durable at sync and close', () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs, sync: 'none' });
    s.put('a', '1');
    expect(s.stats()).toMatchObject({ lastLsn: 1, durableLsn: 0 });
    expect(s.sync()).toBe(1);
    expect(s.stats().durableLsn).toBe(1);
    s.put('b', '2');
    s.close();
    expect(openStore('/db', { fs }).get('b')).toBe('2');
  });

  it('enforces limits with INVALID_ARGUMENT and writes nothing', () => {
    const s = openStore('/db', { fs: memoryFileSystem(), keyBytesMax: 8, valueBytesMax: 8 });
    expect(() => s.put('123456789', '')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => s.put('k', '123456789')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => s.scan({ limit: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(s.stats().lastLsn).toBe(0);
    expect(() => openStore('/x', { fs: memoryFileSystem(), keyBytesMax: 1e9 })).toThrow(
      /keyBytesMax/,
    );
  });

  it('moves to FAILED on an I/O error, keeps serving reads, refuses writes, and reopens clean', () => {
    const base = memoryFileSystem();
    openStore('/db', { fs: base }).close();
    const fs = failing(base, 'fsync', 3); // recovery's fsync is call 1, the first put's is 2
    const s = openStore('/db', { fs });
    s.put('a', '1');
    expect(() => s.put('b', '2')).toThrow(expect.objectContaining({ code: 'IO' }));
    expect(s.stats().phase).toBe('FAILED');
    expect(s.get('a')).toBe('1');
    expect(s.get('b')).toBeUndefined(); // the failed write's state was never adopted
    expect(() => s.put('c', '3')).toThrow(expect.objectContaining({ code: 'FAILED' }));
    expect(() => s.compact()).toThrow(/fsync .* failed/);
    s.close(); // no fsync retry: close only releases
    const again = openStore('/db', { fs: base });
    expect(again.get('a')).toBe('1'); // the failed write is pending: present or absent
    again.close();
  });

  it('keeps an acknowledged write when the automatic compaction after it fails', () => {
    const base = memoryFileSystem();
    const s = openStore('/db', { fs: failing(base, 'rename', 2), compactWrites: 2 });
    s.put('a', '1');
    expect(s.put('b', '2')).toBe(2); // durable, so acknowledged; the compaction's rename failed
    expect(s.stats().phase).toBe('FAILED');
    expect(() => s.put('c', '3')).toThrow(/failed earlier/);
    s.close();
    const again = openStore('/db', { fs: base });
    expect(again.scan().map((e) => e.key)).toEqual(['a', 'b']);
    again.close();
  });

  it('opens read-only without repairing, and refuses writes with READONLY', () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs });
    s.put('a', '1');
    s.close();
    fs.write(fs.open(`/db/${FILES.snapshotTmp}`, 'w'), new Uint8Array([1, 2]), 0);
    const ro = openStore('/db', { fs, readOnly: true });
    expect(ro.get('a')).toBe('1');
    expect(ro.sync()).toBe(1);
    expect(() => ro.compact()).toThrow(expect.objectContaining({ code: 'READONLY' }));
    expect(() => ro.put('b', '2')).toThrow(expect.objectContaining({ code: 'READONLY' }));
    ro.close();
    expect(fs.readdir('/db')).toContain(FILES.snapshotTmp);
  });

  it('refuses a second open of the same directory in one process with LOCKED, and every call after close', () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs });
    expect(() => openStore('/db', { fs })).toThrow(expect.objectContaining({ code: 'LOCKED' }));
    s.close();
    s.close();
    expect(() => s.get('a')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    openStore('/db', { fs }).close();
  });
});
