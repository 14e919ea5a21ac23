// Tests on the real disk (node:fs, a temp directory): write, close, reopen, compaction, the lock held
// by another live process, and the kernel's release of a lock whose holder was killed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILES } from '../../src/engine/plan.js';
import { openStore } from '../../src/io/store.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvlab-disk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store on the real disk', () => {
  it('writes, closes, reopens, compacts, and leaves only its own files', () => {
    const s = openStore(dir, { compactWrites: 50 });
    for (let i = 0; i < 120; i++) s.put(`key-${i % 30}`, `value-${i}`);
    s.del('key-3');
    s.close();
    expect(readdirSync(dir).sort()).toEqual([FILES.lock, FILES.snapshot, FILES.wal].sort());
    const again = openStore(dir);
    expect(again.stats()).toMatchObject({ keys: 29, lastLsn: 121, snapshotLsn: 100 });
    expect(again.get('key-4')).toBe('value-94');
    again.compact();
    again.close();
    expect(openStore(dir).scan({ limit: 2 })).toEqual([
      { key: 'key-0', value: 'value-90' },
      { key: 'key-1', value: 'value-91' },
    ]);
  });

  it('gives LOCKED while another live process holds the lock, and opens once it is killed', async () => {
    const store = new URL('../../dist/src/io/store.js', import.meta.url).href;
    const code = `const { openStore } = await import(${JSON.stringify(store)});
      openStore(${JSON.stringify(dir)}); console.log('held'); setTimeout(() => {}, 60000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', code]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    expect(() => openStore(dir)).toThrow(expect.objectContaining({ code: 'LOCKED' }));
    expect(() => openStore(dir, { readOnly: true })).toThrow(/in use by a writer/);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    // The kernel dropped the dead holder's lock: nothing stale is left to judge or break.
    openStore(dir).close();
    expect(readdirSync(dir)).toContain(FILES.lock);
  });
});
