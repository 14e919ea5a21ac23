// The million-key benchmark (never an assertion): the figures issue 13's goals are stated in, on
// kvlab alone. The data is peers-bench's: 16 random bytes per key as 32 hex chars, 100 printable
// chars per value from a pool of 4,096. `node dist/bench/million.js [keys] [--json]`; with
// --cpu-prof it is the profile the README cites; --json adds every figure as one JSON line last.
// `--child-reopen <dir>` is the fresh process that times a reopen.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../src/index.js';

const VALUE_POOL = 4096;

/** xorshift32, as peers-bench.mjs: the same keys and values on both sides. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** `n` keys: 16 random bytes each (4 xorshift words, little-endian) as lowercase hex. */
export function makeKeys(n: number, seed = 12345): string[] {
  const next = prng(seed);
  const bytes = Buffer.allocUnsafe(16);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < 16; w += 4) bytes.writeUInt32LE(next(), w);
    keys.push(bytes.toString('hex'));
  }
  return keys;
}

/** The value pool: 100 random bytes b each, as the printable char 0x21 + b % 94. */
export function makeValues(seed = 777): string[] {
  const next = prng(seed);
  const values: string[] = [];
  const raw = Buffer.allocUnsafe(100);
  for (let j = 0; j < VALUE_POOL; j++) {
    for (let w = 0; w < 100; w += 4) raw.writeUInt32LE(next(), w);
    for (let i = 0; i < 100; i++) raw[i] = 0x21 + ((raw[i] ?? 0) % 94);
    values.push(raw.toString('latin1'));
  }
  return values;
}

function valueAt(values: readonly string[], i: number): string {
  return values[i & (VALUE_POOL - 1)] ?? '';
}

/** Resident set size now, and its peak (VmHWM), in bytes. */
export function rss(): { nowBytes: number; peakBytes: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const peakKb = Number(/VmHWM:\s*(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { nowBytes: process.memoryUsage.rss(), peakBytes: peakKb * 1024 };
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Milliseconds of this process's CPU (user and system, V8's helper threads included) since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function latencyLine(what: string, sorted: Float64Array): string {
  return (
    `${what} p50 ${(quantile(sorted, 0.5) * 1000).toFixed(1)} µs, p99.9 ` +
    `${quantile(sorted, 0.999).toFixed(2)} ms, max ${quantile(sorted, 1).toFixed(1)} ms`
  );
}

/**
 * Single unsynced puts of every key, timing each one: the latency a writer sees, compaction included.
 * Each put is timed twice: by the clock, and by the process's CPU time, which a shared machine's
 * scheduler does not inflate (a put descheduled for 100 ms shows 100 ms by the clock only).
 */
function loadTimed(
  store: Store,
  keys: readonly string[],
  values: readonly string[],
  figures: Figures,
): string {
  const wall = new Float64Array(keys.length);
  const cpu = new Float64Array(keys.length);
  let compactingPuts = 0;
  let compactingCpuMaxMs = 0;
  let compactingWallMaxMs = 0;
  // The longest put that took no compaction step: what GC pauses alone cost a put in this load.
  let otherCpuMaxMs = 0;
  let phaseBefore = store.stats().phase;
  const started = performance.now();
  for (let i = 0; i < keys.length; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    store.put(keys[i] ?? '', valueAt(values, i));
    wall[i] = performance.now() - t0;
    cpu[i] = cpuMs(c0);
    // A put that began, continued or finished an automatic compaction: its phase before or after.
    const phaseAfter = store.stats().phase;
    if (phaseAfter === 'COMPACTING' || phaseBefore === 'COMPACTING') {
      compactingPuts++;
      compactingCpuMaxMs = Math.max(compactingCpuMaxMs, cpu[i] ?? 0);
      compactingWallMaxMs = Math.max(compactingWallMaxMs, wall[i] ?? 0);
    } else otherCpuMaxMs = Math.max(otherCpuMaxMs, cpu[i] ?? 0);
    phaseBefore = phaseAfter;
  }
  const ms = performance.now() - started;
  wall.sort();
  cpu.sort();
  const rate = Math.round((keys.length * 1000) / ms);
  figures.loadPerSec = rate;
  figures.compactionWaitMaxWallMs = compactingWallMaxMs;
  figures.compactionWaitMaxCpuMs = compactingCpuMaxMs;
  figures.otherPutMaxCpuMs = otherCpuMaxMs;
  figures.putMaxWallMs = quantile(wall, 1);
  figures.putP999WallMs = quantile(wall, 0.999);
  figures.putMaxCpuMs = quantile(cpu, 1);
  figures.putP999CpuMs = quantile(cpu, 0.999);
  return (
    `${keys.length.toLocaleString('en-US')} single puts, sync none: ${rate.toLocaleString('en-US')}/s ` +
    `(${compactingPuts.toLocaleString('en-US')} of them took a step of an automatic compaction: ` +
    `max ${compactingWallMaxMs.toFixed(1)} ms by the clock, ${compactingCpuMaxMs.toFixed(1)} ms of CPU; ` +
    `the longest other put: ${otherCpuMaxMs.toFixed(1)} ms of CPU)\n` +
    `  ${latencyLine('put latency by the clock:', wall)}\n` +
    `  ${latencyLine('put latency in CPU time:', cpu)}`
  );
}

/** CPU µs per put of `count` new keys into a store already holding `base` keys (compaction kept out). */
function putCostUs(dir: string, base: number, keys: readonly string[], values: readonly string[]) {
  const store = openStore(dir, { sync: 'none', compactWalBytes: 2 ** 40, compactWrites: 2 ** 40 });
  for (let i = 0; i < base; i += 1000) {
    const ops = keys.slice(i, Math.min(base, i + 1000)).map((key, j) => ({
      op: 'put' as const,
      key,
      value: valueAt(values, i + j),
    }));
    store.batch(ops);
  }
  // CPU time, not the clock, and the median of 5 windows of 4,000 puts: one major GC (which
  // process.cpuUsage counts, helper threads included) must not decide the ratio.
  const windows: number[] = [];
  for (let w = 0; w < 5; w++) {
    const c0 = process.cpuUsage();
    const from = base + w * 4000;
    for (let i = from; i < from + 4000; i++) store.put(keys[i] ?? '', valueAt(values, i));
    windows.push((cpuMs(c0) * 1000) / 4000);
  }
  const us = windows.sort((a, b) => a - b)[2] ?? Number.NaN;
  store.close();
  return us;
}

/** The child process: open the store, read one key, report time and memory as one JSON line. */
function childReopen(dir: string, probe: string): void {
  const before = rss().nowBytes;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const store = openStore(dir, { sync: 'always' });
  const openMs = performance.now() - t0;
  const openCpuMs = cpuMs(c0);
  const ok = store.get(probe)?.length === 100;
  const totalMs = performance.now() - t0;
  const keys = store.stats().keys;
  globalThis.gc?.();
  // A second GC waits for the first one's sweep of the file buffers it freed, which `external`
  // counts until then.
  globalThis.gc?.();
  const after = rss();
  // Live data: the heap and what Node keeps outside it (a snapshot's text regions are external
  // strings: Node makes one of any latin1 text over 1,031,913 bytes).
  const usage = process.memoryUsage();
  const heapBytes = usage.heapUsed + usage.external;
  store.close();
  const r = store.recovery;
  console.log(
    JSON.stringify({ openMs, openCpuMs, totalMs, ok, keys, before, after, heapBytes, recovery: r }),
  );
}

function reopenInChild(dir: string, probe: string): Record<string, unknown> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', self, '--child-reopen', dir, probe],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`reopen child failed: ${r.stderr}`);
  return jsonObject(r.stdout.trim().split('\n').pop() ?? '{}');
}

/** A parsed JSON value as an object, checked to be one (JSON.parse's result is untyped). */
function objectOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  return Object.fromEntries(Object.entries(value));
}

/** A child's JSON line as an object. */
export function jsonObject(text: string): Record<string, unknown> {
  return objectOf(JSON.parse(text));
}

function mb(bytes: unknown): string {
  return `${(Number(bytes) / 2 ** 20).toFixed(0)} MB`;
}

/** Every figure main() measures, printed as one JSON line last with --json (peers-bench reads it). */
interface Figures {
  keys: number;
  loadPerSec: number;
  compactionWaitMaxWallMs: number;
  compactionWaitMaxCpuMs: number;
  otherPutMaxCpuMs: number;
  putMaxWallMs: number;
  putP999WallMs: number;
  putMaxCpuMs: number;
  putP999CpuMs: number;
  getsPerSec: number;
  compactWallMs: number;
  compactCpuMs: number;
  reopenTotalMs: number;
  reopenOpenCpuMs: number;
  snapshotMBps: number;
  logReplayMBps: number;
  peakRssBytes: number;
  liveHeapBytes: number;
  rssPerKeyBytes: number;
  putCost10kUs: number;
  putCostBigUs: number;
}

/** Figures not measured yet: NaN, which JSON prints as null. */
function unmeasured(keys: number): Figures {
  const nan = Number.NaN;
  return {
    keys,
    ...{ loadPerSec: nan, compactionWaitMaxWallMs: nan, compactionWaitMaxCpuMs: nan },
    otherPutMaxCpuMs: nan,
    ...{ putMaxWallMs: nan, putP999WallMs: nan, putMaxCpuMs: nan, putP999CpuMs: nan },
    ...{ getsPerSec: nan, compactWallMs: nan, compactCpuMs: nan, reopenTotalMs: nan },
    ...{ reopenOpenCpuMs: nan, snapshotMBps: nan, logReplayMBps: nan, peakRssBytes: nan },
    ...{ liveHeapBytes: nan, rssPerKeyBytes: nan, putCost10kUs: nan, putCostBigUs: nan },
  };
}

/**
 * The open's two parts, by the CPU time of fresh processes: the snapshot alone (the store as
 * compact() left it: file read, checks, text, tree) per MB of snapshot, and what the log adds to
 * the open (the full open less the snapshot-only one: read, sort, merge) per MB of log. MB is 2^20
 * bytes; each open is the best of two, since a shared machine only ever adds time.
 */
function openParts(
  dir: string,
  openCpuMs: number,
): { snapshotMBps: number; logReplayMBps: number } {
  const snapshotBytes = statSync(join(dir, 'kvlab.snap')).size;
  const walBytes = statSync(join(dir, 'kvlab.wal')).size;
  const snapshotOnlyMs = Math.min(
    ...[0, 1].map(() => Number(reopenInChild(`${dir}-snapshot-only`, '')['openCpuMs'])),
  );
  return {
    snapshotMBps: snapshotBytes / 2 ** 20 / (snapshotOnlyMs / 1000),
    logReplayMBps: walBytes / 2 ** 20 / (Math.max(1, openCpuMs - snapshotOnlyMs) / 1000),
  };
}

/**
 * The 1M load (every put timed), random gets, compact(), then 100,000 puts left in the log: the store
 * the reopen reads. Its figures go into `figures`.
 */
function loadAndCompact(
  dir: string,
  keys: readonly string[],
  values: readonly string[],
  figures: Figures,
): void {
  const n = figures.keys;
  const store = openStore(dir, { sync: 'none' });
  console.log(loadTimed(store, keys.slice(0, n), values, figures));
  const readIdx = prng(4242);
  const reads = 1_000_000;
  let t0 = performance.now();
  const g0 = process.cpuUsage();
  for (let i = 0; i < reads; i++) store.get(keys[readIdx() % n] ?? '');
  const getRate = Math.round((reads * 1000) / (performance.now() - t0));
  const getCpuRate = Math.round((reads * 1000) / cpuMs(g0));
  figures.getsPerSec = getRate;
  console.log(
    `random gets over ${n.toLocaleString('en-US')} keys: ${getRate.toLocaleString('en-US')}/s (${getCpuRate.toLocaleString('en-US')} per CPU second)`,
  );
  t0 = performance.now();
  const c0 = process.cpuUsage();
  store.compact();
  figures.compactWallMs = performance.now() - t0;
  figures.compactCpuMs = cpuMs(c0);
  console.log(
    `compact() of ${n.toLocaleString('en-US')} keys: ${figures.compactWallMs.toFixed(0)} ms ` +
      `(${figures.compactCpuMs.toFixed(0)} ms of CPU)`,
  );
  // The store as compact() left it (a snapshot and an empty log), kept aside: the open of the
  // snapshot alone, which the replay's share of the full open is measured against.
  mkdirSync(`${dir}-snapshot-only`);
  for (const file of ['kvlab.snap', 'kvlab.wal'])
    copyFileSync(join(dir, file), join(`${dir}-snapshot-only`, file));
  for (let i = 0; i < 100_000; i++) store.put(keys[i] ?? '', valueAt(values, i + 1));
  store.close();
}

function main(n: number, json: boolean): void {
  const keys = makeKeys(n + 20_000);
  const values = makeValues();
  const dir = mkdtempSync(join(tmpdir(), 'kvlab-million-'));
  const figures = unmeasured(n);
  try {
    loadAndCompact(join(dir, 'load'), keys, values, figures);
    // The loaded store is unreachable now: collect it before the reopen, whose child process would
    // otherwise run beside a parent holding a 1 GB heap (its open measured 1.5 times slower so).
    globalThis.gc?.();
    const c = reopenInChild(join(dir, 'load'), keys[n >> 1] ?? '');
    const afterOpen = objectOf(c['after']);
    const after = {
      nowBytes: Number(afterOpen['nowBytes']),
      peakBytes: Number(afterOpen['peakBytes']),
    };
    const perKey = (after.nowBytes - Number(c['before'])) / n;
    Object.assign(figures, openParts(join(dir, 'load'), Number(c['openCpuMs'])), {
      reopenTotalMs: Number(c['totalMs']),
      reopenOpenCpuMs: Number(c['openCpuMs']),
      peakRssBytes: after.peakBytes,
      liveHeapBytes: Number(c['heapBytes']),
      rssPerKeyBytes: perKey,
    });
    console.log(
      `reopen (snapshot + 100,000-record log) and first get: ${Number(c['totalMs']).toFixed(0)} ms ` +
        `(open: ${Number(c['openCpuMs']).toFixed(0)} ms of CPU), ` +
        `found ${String(c['ok'])}; RSS after open ${mb(after.nowBytes)} (${perKey.toFixed(0)} B/key ` +
        `over the empty process), peak ${mb(after.peakBytes)}, live heap + external ${mb(c['heapBytes'])}`,
    );
    const small = putCostUs(join(dir, 'p10k'), 10_000, keys, values);
    const large = putCostUs(join(dir, 'p1m'), n, keys, values);
    console.log(
      `snapshot load ${figures.snapshotMBps.toFixed(0)} MB/s, log replay ` +
        `${figures.logReplayMBps.toFixed(0)} MB/s (per CPU second)\n` +
        `put cost: ${small.toFixed(2)} µs at 10k keys, ${large.toFixed(2)} µs at ` +
        `${n.toLocaleString('en-US')}: ratio ${(large / small).toFixed(2)}`,
    );
    figures.putCost10kUs = small;
    figures.putCostBigUs = large;
    if (json) console.log(JSON.stringify(figures));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run only as a program: open.ts imports makeKeys and makeValues from here.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--child-reopen') childReopen(args[1] ?? '', args[2] ?? '');
  else main(Number(args[0] ?? 1_000_000), args.includes('--json'));
}
