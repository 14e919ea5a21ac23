// The open and compaction benchmark (never an assertion): million.ts's reopen and compact() figures
// on a store made once and kept, so that each can be repeated (and profiled with --cpu-prof) without
// the 1M-key load before it. The data and the store are million.ts's: 1M keys loaded, compact(), then
// 100,000 single puts left in the log.
//
//   node dist/bench/open.js make <dir> [keys]    make the store (about a minute)
//   node dist/bench/open.js make-load <dir> [keys]  peers-bench's bulk-load store instead
//   node dist/bench/open.js reopen <dir> [runs]  reopen it in fresh processes: time, CPU, memory
//   node dist/bench/open.js parts <dir> [runs]   snapshot load and log read alone, in this process
//   node dist/bench/open.js compact <dir> [runs] compact() of the store (rewrites the same state)

import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLog } from '../src/engine/logging.js';
import { loadSnapshot } from '../src/engine/snapshot.js';
import { openStore } from '../src/index.js';
import { cpuMs, jsonObject, makeKeys, makeValues, rss } from './million.js';

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** million.ts's reopen store: `n` keys in batches of 1,000, compact(), then 100,000 single puts. */
function make(dir: string, n: number): void {
  const keys = makeKeys(n);
  const values = makeValues();
  const store = openStore(dir, { sync: 'none', compactWalBytes: 2 ** 40, compactWrites: 2 ** 40 });
  for (let i = 0; i < n; i += 1000) {
    const ops = keys.slice(i, Math.min(n, i + 1000)).map((key, j) => ({
      op: 'put' as const,
      key,
      value: values[(i + j) & 4095] ?? '',
    }));
    store.batch(ops);
  }
  store.compact();
  for (let i = 0; i < 100_000; i++) store.put(keys[i] ?? '', values[(i + 1) & 4095] ?? '');
  store.close();
  console.log(`made ${dir}: ${n} keys, compacted, then 100,000 puts`);
}

/**
 * peers-bench's bulk-load store: `n` keys in batches of 1,000, sync none, default options. The load
 * ends in the middle of an automatic compaction, which close() finishes.
 */
function makeLoad(dir: string, n: number): void {
  const keys = makeKeys(n);
  const values = makeValues();
  const store = openStore(dir, { sync: 'none' });
  for (let i = 0; i < n; i += 1000)
    store.batch(
      keys
        .slice(i, Math.min(n, i + 1000))
        .map((key, j) => ({ op: 'put' as const, key, value: values[(i + j) & 4095] ?? '' })),
    );
  const phase = store.stats().phase;
  const t0 = performance.now();
  store.close();
  console.log(
    `made ${dir}: ${n} keys in batches of 1,000; ended ${phase}; close ` +
      `${(performance.now() - t0).toFixed(0)} ms`,
  );
}

/** The child: open, one get, then the figures as one JSON line. */
function child(dir: string): void {
  const before = process.memoryUsage.rss();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const store = openStore(dir, { sync: 'none', compactWalBytes: 2 ** 40, compactWrites: 2 ** 40 });
  const openMs = performance.now() - t0;
  const openCpuMs = cpuMs(c0);
  const found = store.get(store.scan({ limit: 1 })[0]?.key ?? '') !== undefined;
  const peakBytes = rss().peakBytes;
  globalThis.gc?.();
  // A second GC waits for the first one's sweep of the file buffers it freed, which `external`
  // counts until then.
  globalThis.gc?.();
  // Live data: the heap and what Node keeps outside it (a snapshot's text regions are external
  // strings: Node makes one of any latin1 text over 1,031,913 bytes).
  const usage = process.memoryUsage();
  const heapBytes = usage.heapUsed + usage.external;
  const rssBytes = process.memoryUsage.rss();
  const keys = store.stats().keys;
  store.close();
  console.log(
    JSON.stringify({ openMs, openCpuMs, found, keys, before, peakBytes, heapBytes, rssBytes }),
  );
}

function reopen(dir: string, runs: number): void {
  const self = fileURLToPath(import.meta.url);
  const fileBytes = statSync(join(dir, 'kvlab.snap')).size + statSync(join(dir, 'kvlab.wal')).size;
  for (let r = 0; r < runs; r++) {
    const out = spawnSync(
      process.execPath,
      [...process.execArgv, '--expose-gc', self, 'child', dir],
      { encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(`reopen child failed: ${out.stderr}`);
    const c = jsonObject(out.stdout.trim().split('\n').pop() ?? '{}');
    const perKey = (Number(c['rssBytes']) - Number(c['before'])) / Number(c['keys']);
    console.log(
      `reopen ${Number(c['openMs']).toFixed(0)} ms (${Number(c['openCpuMs']).toFixed(0)} ms CPU, ` +
        `${((fileBytes / 2 ** 20) * (1000 / Number(c['openMs']))).toFixed(0)} MB/s), ` +
        `found ${String(c['found'])}; peak RSS ${mb(Number(c['peakBytes']))}, ` +
        `live heap + external ${mb(Number(c['heapBytes']))} ` +
        `(peak ÷ heap ${(Number(c['peakBytes']) / Number(c['heapBytes'])).toFixed(2)}), ` +
        `RSS after ${mb(Number(c['rssBytes']))} (${perKey.toFixed(0)} B/key)`,
    );
  }
}

function parts(dir: string, runs: number): void {
  const snap = readFileSync(join(dir, 'kvlab.snap'));
  const wal = readFileSync(join(dir, 'kvlab.wal'));
  for (let r = 0; r < runs; r++) {
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    const s = loadSnapshot(snap, 'kvlab.snap');
    const snapMs = performance.now() - t0;
    const snapCpu = cpuMs(c0);
    c0 = process.cpuUsage();
    t0 = performance.now();
    const l = loadLog(wal, 'kvlab.wal');
    const logMs = performance.now() - t0;
    const logCpu = cpuMs(c0);
    console.log(
      `snapshot load ${snapMs.toFixed(0)} ms, ${snapCpu.toFixed(0)} ms CPU ` +
        `(${(snap.length / 2 ** 20 / (snapCpu / 1000)).toFixed(0)} MB/s per CPU s, ` +
        `${s.dropped.length} dropped); log read ${logMs.toFixed(0)} ms, ${logCpu.toFixed(0)} ms CPU ` +
        `(${(wal.length / 2 ** 20 / (logCpu / 1000)).toFixed(0)} MB/s per CPU s, ` +
        `${l.records.length} records)`,
    );
  }
}

function compact(dir: string, runs: number): void {
  const store = openStore(dir, { sync: 'none', compactWalBytes: 2 ** 40, compactWrites: 2 ** 40 });
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    store.compact();
    console.log(
      `compact() of ${store.stats().keys} keys: ${(performance.now() - t0).toFixed(0)} ms ` +
        `(${cpuMs(c0).toFixed(0)} ms CPU)`,
    );
  }
  store.close();
}

const [command, dir = '', count] = process.argv.slice(2);
if (command === 'make') make(dir, Number(count ?? 1_000_000));
else if (command === 'make-load') makeLoad(dir, Number(count ?? 1_000_000));
else if (command === 'child') child(dir);
else if (command === 'reopen') reopen(dir, Number(count ?? 3));
else if (command === 'parts') parts(dir, Number(count ?? 3));
else if (command === 'compact') compact(dir, Number(count ?? 3));
else console.log('usage: open.js make|make-load|reopen|parts|compact <dir> [count]');
