// Output that always arrives (issue 10, point 2): a 1 MB value through `$(kvlab get)` and a
// 100,000-key scan through a pipe whose reader starts late both arrive whole, with exit 0; and the
// writer itself finishes short writes, waits out EAGAIN, and stops quietly on EPIPE.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fdWriter } from '../../cli/output.js';
import { openStore } from '../../src/io/store.js';
import { KVLAB } from './kvlab.js';

const dir = mkdtempSync(join(tmpdir(), 'kvlab-pipes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, KVLAB: `${process.execPath} ${KVLAB}`, DIR: dir },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('output through pipes', () => {
  it('delivers a 1 MB value through $(kvlab get) and 100,000 keys through a slow pipe', () => {
    const s = openStore(dir, { sync: 'none', valueBytesMax: 1_000_000 });
    s.put('big', 'x'.repeat(1_000_000));
    for (let b = 0; b < 10; b++)
      s.batch(
        Array.from({ length: 10_000 }, (_, i) => ({
          op: 'put' as const,
          key: `k${String(b * 10_000 + i).padStart(6, '0')}`,
          value: 'v',
        })),
      );
    s.close();
    const big = sh('v=$($KVLAB get big --dir "$DIR"); echo "exit $?"; printf %s "$v" | wc -c');
    expect(big.stderr).toBe('');
    expect(big.stdout.split(/\s+/).filter(Boolean)).toEqual(['exit', '0', '1000000']);
    const scan = sh('set -o pipefail; $KVLAB scan --dir "$DIR" | (sleep 1; wc -l); echo "exit $?"');
    expect(scan.stderr).toBe('');
    expect(scan.stdout.split(/\s+/).filter(Boolean)).toEqual(['100001', 'exit', '0']);
  });
});

describe('the fd writer', () => {
  it('finishes short writes, waits out EAGAIN, and drops output once the reader is gone', () => {
    const got: string[] = [];
    let calls = 0;
    const writer = fdWriter(9, (_fd, data, offset, length) => {
      calls++;
      if (calls % 3 === 0) throw Object.assign(new Error('again'), { code: 'EAGAIN' });
      const n = Math.min(2, length);
      got.push(Buffer.from(data.subarray(offset, offset + n)).toString('utf8'));
      return n;
    });
    writer.write('hello, world\n');
    expect(got.join('')).toBe('hello, world\n');
    const gone = fdWriter(9, () => {
      throw Object.assign(new Error('pipe'), { code: 'EPIPE' });
    });
    gone.write('x');
    expect(gone.closed).toBe(true);
    gone.write('y');
    const broken = fdWriter(9, () => {
      throw Object.assign(new Error('bad fd'), { code: 'EBADF' });
    });
    expect(() => broken.write('z')).toThrow(/bad fd/);
  });
});
