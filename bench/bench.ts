// Benchmarks (never assertions): kvlab on the real disk and the checker's speed. `npm run bench`.
// The machine's limits for context: fs.writeSync of 100 bytes ~1.5 µs, fdatasync ~270 µs (so about
// 3,700 synced writes a second is the ceiling for one writer without batching).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../fuzz/campaign.js';
import { ALL_FAULTS } from '../model/commands/index.js';
import { openStore } from '../src/index.js';
import { makeKeys, makeValues } from './million.js';

function measure(name: string, count: number, unit: string, run: () => void): void {
  const started = performance.now();
  run();
  const ms = performance.now() - started;
  const rate =
    count > 1
      ? `${Math.round((count * 1000) / ms)
          .toLocaleString('en-US')
          .padStart(11)}/s`
      : '';
  console.log(
    `${name.padEnd(48)} ${String(count).padStart(8)} ${unit.padEnd(7)} ${ms.toFixed(0).padStart(7)} ms  ${rate}`,
  );
}

/**
 * Issue 13's peer workloads on kvlab alone, on peers-bench's data (32-hex-char keys, 100-char values
 * from a pool of 4,096): the quick loop for tuning the write path, with the peers' sizes.
 */
function peerWorkloads(root: string): void {
  const keys = makeKeys(200_000);
  const values = makeValues();
  const valueAt = (i: number): string => values[i % values.length] ?? '';
  const batches = (store: ReturnType<typeof openStore>, count: number): void => {
    for (let from = 0; from < count; from += 1000) {
      const ops = keys
        .slice(from, from + 1000)
        .map((key, i) => ({ op: 'put' as const, key, value: valueAt(from + i) }));
      store.batch(ops);
    }
  };
  let store = openStore(join(root, 'peers-none'), { sync: 'none' });
  measure('peers: put, sync none, 200,000 new keys', 200_000, 'writes', () => {
    for (let i = 0; i < 200_000; i++) store.put(keys[i] ?? '', valueAt(i));
  });
  store.close();
  store = openStore(join(root, 'peers-always'));
  measure('peers: batches of 1,000 puts, sync always', 100_000, 'puts', () =>
    batches(store, 100_000),
  );
  store.close();
  store = openStore(join(root, 'peers-reads'), { sync: 'none' });
  batches(store, 100_000);
  let x = 4242; // xorshift32, as peers-bench picks its reads
  const picks = Array.from({ length: 200_000 }, () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return keys[x % 100_000] ?? '';
  });
  measure('peers: random get, 100,000 keys', 200_000, 'reads', () => {
    for (const key of picks) store.get(key);
  });
  store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'kvlab-bench-'));
try {
  const value = 'v'.repeat(100);
  let store = openStore(join(dir, 'always'));
  measure('put, sync always (fsync per write)', 2000, 'writes', () => {
    for (let i = 0; i < 2000; i++) store.put(`key${i}`, value);
  });
  measure('batch of 100 puts, sync always', 200, 'batches', () => {
    for (let b = 0; b < 200; b++)
      store.batch(
        Array.from({ length: 100 }, (_, i) => ({ op: 'put' as const, key: `b${b}-${i}`, value })),
      );
  });
  store.close();
  store = openStore(join(dir, 'none'), { sync: 'none' });
  measure('put, sync none', 200_000, 'writes', () => {
    for (let i = 0; i < 200_000; i++) store.put(`key${i % 100_000}`, value);
  });
  measure('get, 100,000 keys in memory', 1_000_000, 'reads', () => {
    for (let i = 0; i < 1_000_000; i++) store.get(`key${i % 100_000}`);
  });
  measure('scan 100 keys', 10_000, 'scans', () => {
    for (let i = 0; i < 10_000; i++) store.scan({ from: `key${i}`, limit: 100 });
  });
  measure('compact (snapshot of 100,000 keys + new log)', 1, 'compacts', () => store.compact());
  for (let i = 0; i < 100_000; i++) store.put(`more${i}`, value);
  store.close();
  measure('open: 100,000-key snapshot + 100,000-record log', 1, 'opens', () =>
    openStore(join(dir, 'none')).close(),
  );
  peerWorkloads(dir);
  measure('checker: a 5-second campaign', 1, 'runs', () => {
    const r = runCampaign({ seed: 1, timeMs: 5000, faults: ALL_FAULTS });
    console.log(
      `  ${r.runs} runs, ${r.crashImages.toLocaleString('en-US')} crash images, ${r.imagesPerSecond.toLocaleString('en-US')} images/s`,
    );
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
