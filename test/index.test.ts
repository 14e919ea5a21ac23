// The public API (src/index.ts): what a program imports, used the way the README shows.
import { describe, expect, it } from 'vitest';
import * as kvlab from '../src/index.js';

describe('the public API', () => {
  it('opens a store, writes, reads and closes, as the README shows', () => {
    const store = kvlab.openStore('/data', { fs: kvlab.memoryFileSystem(), sync: 'always' });
    store.put('a', '1');
    store.batch([
      { op: 'put', key: 'b', value: '2' },
      { op: 'del', key: 'a' },
    ]);
    expect(store.scan({ from: 'a', limit: 10 })).toEqual([{ key: 'b', value: '2' }]);
    store.close();
  });

  it('has a stable message for every error code, and errors that name the file and offset', () => {
    for (const code of kvlab.ERROR_CODES) expect(kvlab.strerror(code)).toMatch(/\w/);
    const e = new kvlab.KvError('CORRUPTED', 'bad', { file: 'kvlab.wal', offsetBytes: 20 });
    expect(e.message).toBe('CORRUPTED: bad [kvlab.wal @ 20]');
    expect(new kvlab.KvError('IO', 'x', { file: 'f' }).message).toBe('IO: x [f]');
    expect(kvlab.isKvError(e, 'CORRUPTED')).toBe(true);
    expect(kvlab.isKvError(e, 'IO')).toBe(false);
    expect(kvlab.isKvError(new Error('x'))).toBe(false);
  });

  it('exports the settings and tables the docs describe', () => {
    expect(kvlab.DEFAULT_OPTIONS.sync).toBe('always');
    expect(kvlab.RECOVERY_MODES).toContain('salvage');
    expect(kvlab.TRANSITIONS.READY['begin-compaction']).toBe('COMPACTING');
    expect(kvlab.ALLOWED.FAILED).toContain('read');
    expect(kvlab.LIMITS.keyBytesMax).toBeGreaterThan(kvlab.DEFAULT_OPTIONS.keyBytesMax);
    expect(kvlab.FILES.wal).toBe('kvlab.wal');
    expect(typeof kvlab.adaptFs).toBe('function');
    expect(typeof kvlab.nodeFileSystem.readdir).toBe('function');
    expect(kvlab.Store).toBeDefined();
  });
});
