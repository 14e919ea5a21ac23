// Tests on the real disk (node:fs, a temp directory): write, close, reopen, compaction, the lock held
// by another live process, and a stale lock left by a dead one.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(readdirSync(dir).sort()).toEqual([FILES.snapshot, FILES.wal].sort());
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

  it('gives LOCKED while another live process holds the lock, and opens once it is gone', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    await new Promise((resolve) => holder.once('spawn', resolve));
    writeFileSync(join(dir, FILES.lock), `${holder.pid} \n`);
    expect(() => openStore(dir)).toThrow(expect.objectContaining({ code: 'LOCKED' }));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    openStore(dir).close();
  });

  it('takes over a stale lock left by a dead process', () => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, FILES.lock), `${dead.stdout.trim()} 12345\n`);
    const s = openStore(dir);
    s.put('a', '1');
    s.close();
    expect(readdirSync(dir)).not.toContain(FILES.lock);
  });
});
