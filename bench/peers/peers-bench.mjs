// Side-by-side micro-benchmark of embedded KV stores for Node:
//   classic-level (LevelDB), better-sqlite3 (SQLite), lmdb (lmdb-js), and kvlab (optional)
// plus raw disk limits (write+fdatasync, plain write, batch-sized write+fdatasync) and an in-process
// yardstick (Map.get) for reads.
//
// kvlab's copy of the method behind issue 13 (from /work/shared/bench/peers-bench.mjs): kvlab is loaded
// from the repository's dist/ (KVLAB_DIST, default ../../dist next to this file), never installed as a
// dependency, and the peers live only in this folder's package.json. `npm run bench:peers` at the
// repository root builds kvlab, installs this folder's dependencies on demand and runs it.
//
// Usage: node --expose-gc peers-bench.mjs [--only=raw,sync-single,...]  (full run: writes results.json, prints markdown)
//        node bench.mjs --verify <variant> <single|batch> <n>     (small durable run, for strace checks)
//        node bench.mjs --child-reopen <store> <dir> <keyhex> [strings]  (internal)
//
// Environment:
//   PEERS_ROOT  where data (PEERS_ROOT/data/<pid>/...) and results.json go; default /tmp/peers
//   KVLAB_DIST  kvlab's built dist/ folder; default the repository's dist/ (../../dist from this file). If it cannot be imported, the kvlab
//               rows are skipped (the reason is in results.json loadErrors) and the peers still run.
//   SMOKE=1     divides every size by 20 (script test only)
//
// Data forms. Peers get Buffers: 16 random bytes per key, 100 random bytes per value (as before). kvlab only
// takes JS strings, so it gets the SAME bytes converted once, before timing: key = the 16 bytes as a 32-char
// lowercase hex string; value = each of the 100 random bytes b as the printable ASCII char 0x21 + b % 94
// (100 chars, 100 UTF-8 bytes). Rows marked "(strings)" run a peer on those same strings (utf8 encodings),
// so that the conversion cost a string-keyed app would pay is visible on both sides.
//
// All data lives under PEERS_ROOT/data/<pid>/..., one fresh directory per (workload, store, rep).

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const PEERS_ROOT = process.env.PEERS_ROOT ?? '/tmp/peers';
const ROOT = path.join(PEERS_ROOT, 'data');
const KVLAB_DIST = process.env.KVLAB_DIST ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const REPS = 3;
const KEY_BYTES = 16;
const VAL_BYTES = 100;

// ---------- optional store modules (a missing one is skipped) ----------
const mods = {};
const loadErrors = {};
try { const m = await import('classic-level'); mods.ClassicLevel = m.ClassicLevel ?? m.default.ClassicLevel; } catch (e) { loadErrors['classic-level'] = String(e.message || e); }
try { const m = await import('better-sqlite3'); mods.Database = m.default ?? m; } catch (e) { loadErrors['better-sqlite3'] = String(e.message || e); }
try { const m = await import('lmdb'); mods.lmdbOpen = m.open; } catch (e) { loadErrors['lmdb'] = String(e.message || e); }
try { const m = await import(pathToFileURL(path.join(KVLAB_DIST, 'src', 'index.js')).href); mods.kvlabOpen = m.openStore; } catch (e) { loadErrors['kvlab'] = String(e.message || e); }

const now = () => process.hrtime.bigint();
const secs = (t0) => Number(now() - t0) / 1e9;
const gc = () => { if (globalThis.gc) globalThis.gc(); };

// ---------- deterministic data ----------
function prng(seed) { // xorshift32
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
function makeKeys(n, seed) {
  const r = prng(seed);
  const big = Buffer.allocUnsafe(n * KEY_BYTES);
  for (let i = 0; i < n * KEY_BYTES; i += 4) big.writeUInt32LE(r(), i);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = big.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES);
  return out;
}
function makeVals(n, seed) { // pool of distinct random (incompressible) values
  const r = prng(seed);
  const out = new Array(n);
  for (let j = 0; j < n; j++) {
    const b = Buffer.allocUnsafe(VAL_BYTES);
    for (let i = 0; i < VAL_BYTES; i += 4) b.writeUInt32LE(r(), i);
    out[j] = b;
  }
  return out;
}
const VPOOL = 4096;
// kvlab's string forms of the same bytes (see the header).
const keyString = (b) => b.toString('hex');
function valueString(b) { // built through a Buffer so that V8 holds a flat one-byte string, not a cons-string chain
  const p = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) p[i] = 0x21 + (b[i] % 94);
  return p.toString('latin1');
}

// ---------- store adapters ----------
// mode: 'sync' = durable commits, 'nosync' = durability off.
// Each adapter: open(dir, mode, variantOpts) -> handle with
//   putSingle(k,v) (may return promise), batch(keys, vals, from, to) (may return promise),
//   get(k), close()
const adapters = {
  'classic-level': {
    available: () => !!mods.ClassicLevel,
    async open(dir, mode, opt = {}) {
      const enc = opt.strings ? 'utf8' : 'buffer';
      const db = new mods.ClassicLevel(dir, { keyEncoding: enc, valueEncoding: enc });
      await db.open();
      const wopt = { sync: mode === 'sync' };
      return {
        db,
        putSingle: (k, v) => db.put(k, v, wopt),
        batch: opt.arrayBatch
          ? (keys, vals, from, to) => { // array form: db.batch([...ops], opts)
            const ops = new Array(to - from);
            for (let i = from; i < to; i++) ops[i - from] = { type: 'put', key: keys[i], value: vals[i & (VPOOL - 1)] };
            return db.batch(ops, wopt);
          }
          : (keys, vals, from, to) => { // chained form (much faster in classic-level 3 / abstract-level 3)
            const b = db.batch();
            for (let i = from; i < to; i++) b.put(keys[i], vals[i & (VPOOL - 1)]);
            return b.write(wopt);
          },
        get: opt.getSync ? (k) => db.getSync(k) : (k) => db.get(k),
        asyncGet: !opt.getSync,
        asyncPut: true,
        close: () => db.close(),
      };
    },
  },
  'better-sqlite3': {
    available: () => !!mods.Database,
    async open(dir, mode) {
      const db = new mods.Database(path.join(dir, 'db.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma(mode === 'sync' ? 'synchronous = FULL' : 'synchronous = OFF');
      db.exec('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
      const ins = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
      const sel = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
      const tx = db.transaction((keys, vals, from, to) => {
        for (let i = from; i < to; i++) ins.run(keys[i], vals[i & (VPOOL - 1)]);
      });
      return {
        db,
        putSingle: (k, v) => ins.run(k, v),
        batch: (keys, vals, from, to) => tx(keys, vals, from, to),
        get: (k) => sel.get(k),
        asyncGet: false,
        asyncPut: false,
        close: () => db.close(),
      };
    },
  },
  'lmdb': {
    available: () => !!mods.lmdbOpen,
    async open(dir, mode, opt = {}) {
      // strings: default key encoding (ordered-binary, which stores a string key as its UTF-8 bytes) + string values
      const o = opt.strings ? { path: dir, encoding: 'string' } : { path: dir, keyEncoding: 'binary', encoding: 'binary' };
      if (mode === 'nosync') o.noSync = true;
      if (opt.overlappingSync === false) o.overlappingSync = false;
      const db = mods.lmdbOpen(o);
      const h = {
        db,
        putSingle: (k, v) => db.putSync(k, v),
        batch(keys, vals, from, to) {
          db.transactionSync(() => {
            for (let i = from; i < to; i++) db.put(keys[i], vals[i & (VPOOL - 1)]);
          });
        },
        get: (k) => db.get(k),
        asyncGet: false,
        asyncPut: false,
        close: () => db.close(),
      };
      if (opt.asyncPutFlushed) { // idiomatic async API: await put, then await flushed
        h.putSingle = async (k, v) => { await db.put(k, v); await db.flushed; };
        h.asyncPut = true;
      }
      return h;
    },
  },
  'kvlab': {
    available: () => !!mods.kvlabOpen,
    strings: true, // takes JS strings only
    async open(dir, mode) {
      // sync "always": append + fdatasync of the log before put/batch returns; "none": append only.
      const s = mods.kvlabOpen(dir, { sync: mode === 'sync' ? 'always' : 'none' });
      return {
        db: s,
        putSingle: (k, v) => s.put(k, v),
        batch(keys, vals, from, to) { // one atomic record of (to - from) puts
          const ops = new Array(to - from);
          for (let i = from; i < to; i++) ops[i - from] = { op: 'put', key: keys[i], value: vals[i & (VPOOL - 1)] };
          s.batch(ops);
        },
        get: (k) => s.get(k),
        asyncGet: false,
        asyncPut: false,
        stats: () => s.stats(),
        close: () => s.close(),
      };
    },
  },
};

// Variants = rows of the table (store + options)
const V = (name, store, opt = {}) => ({ name, store, opt });
const VARIANTS = {
  'sync-single': [
    V('classic-level', 'classic-level'),
    V('better-sqlite3', 'better-sqlite3'),
    V('lmdb', 'lmdb'), // putSync, defaults (overlappingSync on)
    V('lmdb (overlappingSync:false)', 'lmdb', { overlappingSync: false }),
    V('lmdb (await put + await flushed)', 'lmdb', { asyncPutFlushed: true }),
    V('kvlab', 'kvlab'), // sync "always"
  ],
  'sync-batch': [
    V('classic-level', 'classic-level'),
    V('classic-level (array batch)', 'classic-level', { arrayBatch: true }),
    V('better-sqlite3', 'better-sqlite3'),
    V('lmdb', 'lmdb'), // transactionSync: plain synchronous LMDB commit (overlappingSync not used for it)
    V('kvlab', 'kvlab'),
    V('classic-level (strings)', 'classic-level', { strings: true }),
    V('better-sqlite3 (strings)', 'better-sqlite3', { strings: true }),
    V('lmdb (strings)', 'lmdb', { strings: true }),
  ],
  'nosync-single': [
    V('classic-level', 'classic-level'),
    V('better-sqlite3', 'better-sqlite3'),
    V('lmdb', 'lmdb'),
    V('kvlab', 'kvlab'), // sync "none"
    V('classic-level (strings)', 'classic-level', { strings: true }),
    V('better-sqlite3 (strings)', 'better-sqlite3', { strings: true }),
    V('lmdb (strings)', 'lmdb', { strings: true }),
  ],
  'reads': [
    V('classic-level', 'classic-level'),
    V('classic-level (getSync)', 'classic-level', { getSync: true }),
    V('better-sqlite3', 'better-sqlite3'),
    V('lmdb', 'lmdb'),
    V('kvlab', 'kvlab'),
    V('classic-level (getSync, strings)', 'classic-level', { getSync: true, strings: true }),
    V('better-sqlite3 (strings)', 'better-sqlite3', { strings: true }),
    V('lmdb (strings)', 'lmdb', { strings: true }),
    V('Map.get (in-process yardstick, strings)', 'map'),
  ],
  'reopen': [
    V('classic-level', 'classic-level'),
    V('better-sqlite3', 'better-sqlite3'),
    V('lmdb', 'lmdb'),
    V('kvlab', 'kvlab'), // default options: auto-compaction at 64 MB of log runs during the load
  ],
};
// A JS Map as the in-process limit for random gets (no store at all): not a store, only a yardstick.
adapters.map = {
  available: () => true,
  strings: true,
  async open() {
    const m = new Map();
    return {
      db: m,
      putSingle: (k, v) => { m.set(k, v); },
      batch(keys, vals, from, to) { for (let i = from; i < to; i++) m.set(keys[i], vals[i & (VPOOL - 1)]); },
      get: (k) => m.get(k),
      asyncGet: false,
      asyncPut: false,
      close: () => m.clear(),
    };
  },
};
const usesStrings = (v) => !!(adapters[v.store].strings || v.opt.strings);

// ---------- helpers ----------
let runCounter = 0;
const RUN_DIR = path.join(ROOT, String(process.pid));
function freshDir(tag) {
  const d = path.join(RUN_DIR, `${tag.replace(/[^a-z0-9]+/gi, '_')}-${runCounter++}`);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}
function dirUsage(d) {
  let apparent = 0, allocated = 0;
  const walk = (p) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const f = path.join(p, e.name);
      if (e.isDirectory()) walk(f);
      else { const s = fs.statSync(f); apparent += s.size; allocated += s.blocks * 512; }
    }
  };
  walk(d);
  return { apparent, allocated };
}
async function loadBatched(h, keys, vals, n, batchSize) {
  for (let i = 0; i < n; i += batchSize) {
    const r = h.batch(keys, vals, i, Math.min(n, i + batchSize));
    if (r && typeof r.then === 'function') await r;
  }
}

// ---------- workloads ----------
const SMOKE = process.env.SMOKE ? 20 : 1; // SMOKE=1 divides sizes by 20 (script test only)
const N_SYNC_SINGLE = 3000 / SMOKE;
const N_BATCHES = 100 / SMOKE, BATCH = 1000;
const N_NOSYNC = 200000 / SMOKE;
const N_READ_KEYS = 100000 / SMOKE, N_READS = 200000 / SMOKE;
const N_REOPEN = 1000000 / SMOKE, REOPEN_BATCH = 1000;

let KEYS_B, VALS_B, KEYS_S, VALS_S, READ_IDX;

async function runOne(workload, variant) {
  const ad = adapters[variant.store];
  const str = usesStrings(variant);
  const KEYS = str ? KEYS_S : KEYS_B;
  const VALS = str ? VALS_S : VALS_B;
  const dir = freshDir(`${workload}-${variant.name}`);
  const extra = {};
  let ops, t;
  gc();
  if (workload === 'sync-single' || workload === 'nosync-single') {
    const n = workload === 'sync-single' ? N_SYNC_SINGLE : N_NOSYNC;
    const h = await ad.open(dir, workload === 'sync-single' ? 'sync' : 'nosync', variant.opt);
    const t0 = now();
    if (h.asyncPut) { for (let i = 0; i < n; i++) await h.putSingle(KEYS[i], VALS[i & (VPOOL - 1)]); }
    else { for (let i = 0; i < n; i++) h.putSingle(KEYS[i], VALS[i & (VPOOL - 1)]); }
    t = secs(t0); ops = n;
    await h.close();
  } else if (workload === 'sync-batch') {
    const h = await ad.open(dir, 'sync', variant.opt);
    const t0 = now();
    await loadBatched(h, KEYS, VALS, N_BATCHES * BATCH, BATCH);
    t = secs(t0); ops = N_BATCHES * BATCH;
    extra.commitsPerSec = N_BATCHES / t;
    await h.close();
  } else if (workload === 'reads') {
    const h = await ad.open(dir, 'nosync', variant.opt);
    await loadBatched(h, KEYS, VALS, N_READ_KEYS, 1000);
    let miss = 0;
    const t0 = now();
    if (h.asyncGet) { for (let i = 0; i < N_READS; i++) { const v = await h.get(KEYS[READ_IDX[i]]); if (v === undefined || v.length !== VAL_BYTES) miss++; } }
    else { for (let i = 0; i < N_READS; i++) { const v = h.get(KEYS[READ_IDX[i]]); if (v === undefined || v.length !== VAL_BYTES) miss++; } }
    t = secs(t0); ops = N_READS;
    extra.misses = miss;
    await h.close();
  } else if (workload === 'reopen') {
    const h = await ad.open(dir, 'nosync', variant.opt);
    const t0 = now();
    await loadBatched(h, KEYS, VALS, N_REOPEN, REOPEN_BATCH);
    extra.loadOpsPerSec = N_REOPEN / secs(t0);
    if (h.stats) extra.storeStats = h.stats();
    const tc = now();
    await h.close();
    extra.closeMs = secs(tc) * 1e3;
    const loadTotal = secs(t0);
    extra.loadInclCloseOpsPerSec = N_REOPEN / loadTotal;
    extra.disk = dirUsage(dir);
    extra.filesBefore = fs.readdirSync(dir).map((f) => `${f}:${fs.statSync(path.join(dir, f)).size}`).join(' ');
    if (variant.store === 'classic-level') {
      extra.levelLogBytesBefore = fs.readdirSync(dir).filter((f) => /^\d+\.log$/.test(f))
        .reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
    }
    // probe key: middle of the loaded set
    const probe = KEYS_B[N_REOPEN >> 1];
    const r = spawnSync(process.execPath, [SELF, '--child-reopen', variant.store, dir, probe.toString('hex'), str ? 'strings' : 'buffers'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const c = JSON.parse(r.stdout.trim().split('\n').pop());
    Object.assign(extra, c);
    if (variant.store === 'classic-level') {
      const log = fs.existsSync(path.join(dir, 'LOG')) ? fs.readFileSync(path.join(dir, 'LOG'), 'utf8') : '';
      extra.levelRecoveryLog = log.split('\n').filter((l) => /Recovering|Level-0 table|Delete type=0/.test(l))
        .map((l) => l.replace(/^\S+\s+\S+\s+/, '')).join(' | ');
    }
    ops = 1; t = c.totalMs / 1e3; // "ops/s" not meaningful; we report ms
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { secs: t, ops, opsPerSec: ops / t, usPerOp: (t * 1e6) / ops, extra };
}

async function rawLimits() {
  const dir = freshDir('raw');
  const b = Buffer.alloc(100, 0x5a);
  const out = { fdatasync: [], write: [], batchFdatasync: [], batchWrite: [] };
  const bb = Buffer.alloc(BATCH * (KEY_BYTES + VAL_BYTES), 0x5a); // one 1k-put batch worth of key+value bytes (116 KB)
  for (let rep = 0; rep < REPS; rep++) {
    let f = path.join(dir, `fds-${rep}.bin`);
    let fd = fs.openSync(f, 'w');
    let t0 = now();
    for (let i = 0; i < 3000; i++) { fs.writeSync(fd, b); fs.fdatasyncSync(fd); }
    let t = secs(t0); fs.closeSync(fd);
    out.fdatasync.push({ secs: t, ops: 3000, opsPerSec: 3000 / t, usPerOp: t * 1e6 / 3000 });
    f = path.join(dir, `w-${rep}.bin`);
    fd = fs.openSync(f, 'w');
    t0 = now();
    for (let i = 0; i < 200000; i++) fs.writeSync(fd, b);
    t = secs(t0); fs.closeSync(fd);
    out.write.push({ secs: t, ops: 200000, opsPerSec: 200000 / t, usPerOp: t * 1e6 / 200000 });
    // N_BATCHES x (write 116 KB + fdatasync): the floor for sync-batch, as puts/s
    f = path.join(dir, `bfds-${rep}.bin`);
    fd = fs.openSync(f, 'w');
    t0 = now();
    for (let i = 0; i < N_BATCHES; i++) { fs.writeSync(fd, bb); fs.fdatasyncSync(fd); }
    t = secs(t0); fs.closeSync(fd);
    out.batchFdatasync.push({ secs: t, ops: N_BATCHES * BATCH, opsPerSec: N_BATCHES * BATCH / t, usPerOp: t * 1e6 / (N_BATCHES * BATCH) });
    fs.rmSync(f, { force: true });
    // N_REOPEN/BATCH x write 116 KB, no sync (the floor for the 1M load), as puts/s
    f = path.join(dir, `bw-${rep}.bin`);
    fd = fs.openSync(f, 'w');
    t0 = now();
    for (let i = 0; i < N_REOPEN / BATCH; i++) fs.writeSync(fd, bb);
    t = secs(t0); fs.closeSync(fd);
    out.batchWrite.push({ secs: t, ops: N_REOPEN, opsPerSec: N_REOPEN / t, usPerOp: t * 1e6 / N_REOPEN });
    fs.rmSync(f, { force: true });
    console.error(`[raw] rep ${rep}: write+fdatasync ${out.fdatasync[rep].opsPerSec.toFixed(0)}/s, write ${out.write[rep].opsPerSec.toFixed(0)}/s, ` +
      `116KB write+fdatasync ${out.batchFdatasync[rep].opsPerSec.toFixed(0)} puts/s, 116KB writes ${out.batchWrite[rep].opsPerSec.toFixed(0)} puts/s`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function summarize(runs, key = 'opsPerSec') {
  const xs = runs.map((r) => r[key]).sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1] };
}

// ---------- child: reopen timing ----------
async function childReopen(store, dir, keyHex, form) {
  const strings = form === 'strings';
  const key = strings ? keyHex : Buffer.from(keyHex, 'hex');
  let db, v;
  const t0 = now();
  if (store === 'kvlab') {
    db = mods.kvlabOpen(dir, { sync: 'always' });
    var t1 = now();
    v = db.get(key);
  } else if (store === 'classic-level') {
    const enc = strings ? 'utf8' : 'buffer';
    db = new mods.ClassicLevel(dir, { keyEncoding: enc, valueEncoding: enc });
    await db.open();
    var t1 = now();
    v = await db.get(key);
  } else if (store === 'better-sqlite3') {
    db = new mods.Database(path.join(dir, 'db.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    var t1 = now();
    v = db.prepare('SELECT v FROM kv WHERE k = ?').pluck().get(key);
  } else {
    db = mods.lmdbOpen(strings ? { path: dir, encoding: 'string' } : { path: dir, keyEncoding: 'binary', encoding: 'binary' });
    var t1 = now();
    v = db.get(key);
  }
  const t2 = now();
  const res = {
    openMs: Number(t1 - t0) / 1e6, firstGetMs: Number(t2 - t1) / 1e6, totalMs: Number(t2 - t0) / 1e6,
    firstGetOk: !!v && v.length === VAL_BYTES,
    // Peak RSS of the child (import + open + get): VmHWM of its own address space. Not resourceUsage().maxRSS,
    // which on Linux carries over the parent's RSS through fork/exec (the parent holds the 1M keys).
    maxRssMB: Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024,
  };
  if (store === 'kvlab') res.recovery = { snapshotEntries: db.recovery.snapshotEntries, walRecords: db.recovery.walRecords, replayed: db.recovery.replayed };
  await db.close();
  process.stdout.write(JSON.stringify(res) + '\n');
}

// ---------- kvlab alone, in the same run: the goals that have no peer workload ----------
// million.js (the repository's bench/million.ts) prints its figures as one JSON line last; the checker's
// rate is crash images per CPU second of one `kvlab fuzz --crash all` process (one core).
const FUZZ_SECS = SMOKE > 1 ? 2 : 30;
function kvlabAlone() {
  const out = {};
  const million = spawnSync(process.execPath, ['--expose-gc', path.join(KVLAB_DIST, 'bench', 'million.js'), String(N_REOPEN), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  console.error(million.stdout.trim().split('\n').slice(0, -1).map((l) => `[million] ${l}`).join('\n'));
  const last = million.stdout.trim().split('\n').pop() ?? '';
  if (million.status !== 0 || !last.startsWith('{')) out.millionError = `exit ${million.status}: ${million.stderr.slice(-2000)}`;
  else out.million = JSON.parse(last);
  const cli = path.join(KVLAB_DIST, 'cli', 'main.js');
  const fuzz = spawnSync('bash', ['-c', `TIMEFORMAT='cpu %U %S'; time "${process.execPath}" "${cli}" fuzz --time ${FUZZ_SECS}s --crash all --seed 1`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const images = /([\d,]+) crash images/.exec(fuzz.stdout)?.[1];
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(fuzz.stderr);
  if (fuzz.status !== 0 || !images || !cpu) out.fuzzError = `exit ${fuzz.status}: ${fuzz.stdout.slice(-500)} ${fuzz.stderr.slice(-500)}`;
  else {
    const cpuSecs = Number(cpu[1]) + Number(cpu[2]);
    const perSecond = Number(/crash images \(([\d,]+)\/s\)/.exec(fuzz.stdout)?.[1]?.replaceAll(',', '') ?? NaN);
    out.checker = { images: Number(images.replaceAll(',', '')), cpuSecs, perSecond, perCpuSecond: Number(images.replaceAll(',', '')) / cpuSecs };
    console.error(`[checker] ${fuzz.stdout.split('\n').find((l) => l.includes('crash images'))} (${cpuSecs.toFixed(1)} s of CPU)`);
  }
  return out;
}

// ---------- verify mode (for strace) ----------
async function verify(variantName, workload, n) {
  KEYS_B = makeKeys(Math.max(n * BATCH, n), 12345); VALS_B = makeVals(VPOOL, 777);
  const all = [...VARIANTS['sync-single'], ...VARIANTS['sync-batch']];
  const variant = all.find((v) => v.name === variantName);
  if (!variant) throw new Error(`no variant ${variantName}`);
  const ad = adapters[variant.store];
  if (!ad.available()) throw new Error(`${variant.store} is not available: ${loadErrors[variant.store]}`);
  const KEYS = usesStrings(variant) ? KEYS_B.map(keyString) : KEYS_B;
  const VALS = usesStrings(variant) ? VALS_B.map(valueString) : VALS_B;
  const dir = freshDir('verify');
  const h = await ad.open(dir, 'sync', variant.opt);
  const t0 = now();
  if (workload === 'single') {
    for (let i = 0; i < n; i++) { const r = h.putSingle(KEYS[i], VALS[i & (VPOOL - 1)]); if (r && r.then) await r; }
  } else {
    await loadBatched(h, KEYS, VALS, n * BATCH, BATCH);
  }
  const t = secs(t0);
  await h.close();
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  console.log(`verify ${variantName} ${workload} x${n}: ${(t * 1e6 / n).toFixed(0)} us per commit`);
}

// ---------- main ----------
async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child-reopen') return childReopen(argv[1], argv[2], argv[3], argv[4]);
  if (argv[0] === '--verify') return verify(argv[1], argv[2], Number(argv[3]));
  if (argv[0] === '--markdown') return console.log(markdown(JSON.parse(fs.readFileSync(argv[1], 'utf8'))));

  const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const t00 = now();
  console.error('generating data...');
  KEYS_B = makeKeys(N_REOPEN, 12345);
  VALS_B = makeVals(VPOOL, 777);
  KEYS_S = KEYS_B.map(keyString); // untimed, once
  VALS_S = VALS_B.map(valueString);
  const r = prng(4242);
  READ_IDX = new Uint32Array(N_READS);
  for (let i = 0; i < N_READS; i++) READ_IDX[i] = r() % N_READ_KEYS;

  const versions = { node: process.version };
  for (const p of ['classic-level', 'abstract-level', 'better-sqlite3', 'lmdb']) {
    try { versions[p] = JSON.parse(fs.readFileSync(new URL(`./node_modules/${p}/package.json`, import.meta.url))).version; } catch { versions[p] = 'not installed'; }
  }
  if (mods.kvlabOpen) {
    try { versions.kvlab = JSON.parse(fs.readFileSync(path.join(KVLAB_DIST, '..', 'package.json'), 'utf8')).version; } catch { versions.kvlab = '?'; }
    const g = spawnSync('git', ['-C', path.join(KVLAB_DIST, '..'), 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    if (g.status === 0) versions.kvlabCommit = g.stdout.trim();
    versions.kvlabDist = KVLAB_DIST;
  } else versions.kvlab = 'not loaded';
  if (mods.Database) { const d = new mods.Database(':memory:'); versions.sqlite = d.prepare('select sqlite_version()').pluck().get(); d.close(); }
  try { const l = await import('lmdb'); versions.liblmdb = l.version?.versionString; } catch {}

  const results = { versions, loadErrors, raw: null, workloads: {} };
  if (!only || only.includes('raw')) results.raw = await rawLimits();

  for (const [workload, variants] of Object.entries(VARIANTS)) {
    if (only && !only.includes(workload)) continue;
    const runs = {};
    for (let rep = 0; rep < REPS; rep++) {
      for (const v of variants) { // interleave stores within each repetition
        if (!adapters[v.store].available()) continue;
        try {
          const res = await runOne(workload, v);
          (runs[v.name] ??= []).push(res);
          const shown = workload === 'reopen'
            ? `open+get ${res.extra.totalMs.toFixed(1)} ms (open ${res.extra.openMs.toFixed(1)}, get ${res.extra.firstGetMs.toFixed(2)}), load ${res.extra.loadOpsPerSec.toFixed(0)}/s`
            : `${res.opsPerSec.toFixed(0)} ops/s, ${res.usPerOp.toFixed(2)} us/op`;
          console.error(`[${workload}] rep ${rep} ${v.name}: ${shown}`);
        } catch (e) {
          console.error(`[${workload}] rep ${rep} ${v.name}: ERROR ${e.stack || e}`);
          (runs[v.name] ??= []).push({ error: String(e.message || e) });
        }
      }
    }
    results.workloads[workload] = runs;
  }
  if ((!only || only.includes('goals')) && mods.kvlabOpen) results.kvlabAlone = kvlabAlone();
  results.totalSecs = secs(t00);
  fs.writeFileSync(path.join(PEERS_ROOT, 'results.json'), JSON.stringify(results, null, 1));

  // ---------- markdown ----------
  console.log(markdown(results));
  console.log(`\ntotal ${results.totalSecs.toFixed(0)} s`);
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
}

// Markdown from a results object: every variant row, then the wide table
// (workload | raw limit | classic-level | better-sqlite3 | lmdb | kvlab | kvlab ÷ best peer).
// `node bench.mjs --markdown results.json` reprints it from a saved run.
function markdown(results) {
  const f0 = (x) => x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  const lines = [];
  lines.push('| workload | store | ops/s median (min–max) | µs/op median |');
  lines.push('|---|---|---|---|');
  const RAW_LABEL = {
    fdatasync: 'raw write(100B)+fdatasync ×3k',
    write: 'raw write(100B) ×200k',
    batchFdatasync: `raw write(116KB)+fdatasync ×${N_BATCHES} (as puts/s)`,
    batchWrite: `raw write(116KB) ×${N_REOPEN / BATCH} (as puts/s)`,
  };
  if (results.raw) {
    for (const k of Object.keys(RAW_LABEL)) {
      if (!results.raw[k]?.length) continue;
      const s = summarize(results.raw[k]); const u = summarize(results.raw[k], 'usPerOp');
      lines.push(`| ${RAW_LABEL[k]} | fs | ${f0(s.median)} (${f0(s.min)}–${f0(s.max)}) | ${u.median.toFixed(2)} |`);
    }
  }
  const med = {}; // med[workload][variant] = summary
  for (const [workload, runs] of Object.entries(results.workloads)) {
    med[workload] = {};
    for (const [name, rs] of Object.entries(runs)) {
      const ok = rs.filter((x) => !x.error);
      if (!ok.length) { lines.push(`| ${workload} | ${name} | ERROR: ${rs[0].error} | |`); continue; }
      if (workload === 'reopen') {
        const tot = summarize(ok.map((x) => x.extra), 'totalMs');
        const op = summarize(ok.map((x) => x.extra), 'openMs');
        const ld = summarize(ok.map((x) => x.extra), 'loadOpsPerSec');
        const rss = summarize(ok.map((x) => x.extra), 'maxRssMB');
        med[workload][name] = { tot, ld };
        lines.push(`| reopen 1M (open+1st get, ms) | ${name} | ${tot.median.toFixed(1)} ms (${tot.min.toFixed(1)}–${tot.max.toFixed(1)}); open ${op.median.toFixed(1)} ms; child peak RSS ${rss.median.toFixed(0)} MB | load ${f0(ld.median)}/s (${f0(ld.min)}–${f0(ld.max)}) |`);
      } else {
        const s = summarize(ok); const u = summarize(ok, 'usPerOp');
        med[workload][name] = s;
        lines.push(`| ${workload} | ${name} | ${f0(s.median)} (${f0(s.min)}–${f0(s.max)}) | ${u.median.toFixed(2)} |`);
      }
    }
  }
  // wide table: each peer cell = its best variant (any form), named when not the default one
  const PEERS = ['classic-level', 'better-sqlite3', 'lmdb'];
  const best = (workload, store, key = 'median', lowerIsBetter = false, pick = (s) => s) => {
    let b;
    for (const [name, s0] of Object.entries(med[workload] ?? {})) {
      if (name !== store && !name.startsWith(`${store} (`)) continue;
      const s = pick(s0);
      if (!b || (lowerIsBetter ? s[key] < b.s[key] : s[key] > b.s[key])) b = { name, s };
    }
    return b;
  };
  const cell = (b, store, unit = '') => !b ? 'n/a' : `${f0(b.s.median)}${unit} (${f0(b.s.min)}–${f0(b.s.max)})${b.name !== store ? ` [${b.name.slice(store.length + 2, -1)}]` : ''}`;
  const rawCell = (k) => results.raw?.[k]?.length ? f0(summarize(results.raw[k]).median) : '—';
  const rows = [
    ['sync-single (puts/s)', 'sync-single', rawCell('fdatasync')],
    ['sync-batch (puts/s, 1k per commit)', 'sync-batch', rawCell('batchFdatasync')],
    ['nosync-single (puts/s)', 'nosync-single', rawCell('write')],
    ['reads (gets/s, 100k keys)', 'reads', med.reads?.['Map.get (in-process yardstick, strings)'] ? `Map.get ${f0(med.reads['Map.get (in-process yardstick, strings)'].median)}` : '—'],
  ];
  lines.push('', '| workload | raw limit | classic-level | better-sqlite3 | lmdb | kvlab | kvlab ÷ best peer |', '|---|---|---|---|---|---|---|');
  for (const [label, w, raw] of rows) {
    if (!med[w]) continue;
    const bs = PEERS.map((p) => best(w, p));
    const k = best(w, 'kvlab');
    const top = bs.filter(Boolean).reduce((a, b) => (b.s.median > a.s.median ? b : a), bs.find(Boolean));
    const ratio = k && top ? (k.s.median / top.s.median).toFixed(2) + '×' : 'n/a';
    lines.push(`| ${label} | ${raw} | ${PEERS.map((p, i) => cell(bs[i], p)).join(' | ')} | ${cell(k, 'kvlab')} | ${ratio} |`);
  }
  if (med.reopen) {
    const bs = PEERS.map((p) => best('reopen', p, 'median', true, (s) => s.tot));
    const k = best('reopen', 'kvlab', 'median', true, (s) => s.tot);
    const top = bs.filter(Boolean).reduce((a, b) => (b.s.median < a.s.median ? b : a), bs.find(Boolean));
    const ratio = k && top ? `${(k.s.median / top.s.median).toFixed(1)}× the time` : 'n/a';
    lines.push(`| reopen after 1M keys (open + 1st get, ms) | — | ${PEERS.map((p, i) => cell(bs[i], p, ' ms')).join(' | ')} | ${cell(k, 'kvlab', ' ms')} | ${ratio} |`);
    const ls = PEERS.map((p) => best('reopen', p, 'median', false, (s) => s.ld));
    const kl = best('reopen', 'kvlab', 'median', false, (s) => s.ld);
    const topl = ls.filter(Boolean).reduce((a, b) => (b.s.median > a.s.median ? b : a), ls.find(Boolean));
    const ratiol = kl && topl ? (kl.s.median / topl.s.median).toFixed(2) + '×' : 'n/a';
    lines.push(`| (side) 1M load, 1k batches, no sync (puts/s) | ${rawCell('batchWrite')} | ${PEERS.map((p, i) => cell(ls[i], p)).join(' | ')} | ${cell(kl, 'kvlab')} | ${ratiol} |`);
  }
  lines.push('', ...goalsTable(results, best, f0));
  return lines.join('\n');
}

// Issue 13's goals, each with kvlab's figure beside the peers' from this same run, and whether it is met.
function goalsTable(results, best, f0) {
  const m = results.kvlabAlone?.million;
  const c = results.kvlabAlone?.checker;
  const rows = [];
  const met = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : 'not met');
  const med = (w, store, pick = (x) => x) => best(w, store, 'median', false, pick)?.s.median;
  const fastest = (w, store) => best(w, store, 'median', true, (x) => x.tot)?.s.median;
  const vs = (w, peer, goal, label, pick) => {
    const k = med(w, 'kvlab', pick), p = med(w, peer, pick);
    if (k === undefined || p === undefined) return;
    rows.push([label, `≥ ${goal}× ${peer}`, `${peer} ${f0(p)}`, f0(k), `${(k / p).toFixed(2)}×: ${met(k >= goal * p)}`]);
  };
  const reopenPeers = ['classic-level', 'better-sqlite3', 'lmdb'].map((p) => fastest('reopen', p) === undefined ? undefined : `${p} ${f0(fastest('reopen', p))} ms`).filter(Boolean).join(', ');
  const reopenKvlab = fastest('reopen', 'kvlab');
  if (reopenKvlab !== undefined) rows.push(['reopen after a 1M load in 1k batches (open + 1st get)', '≤ 250 ms', reopenPeers, `${f0(reopenKvlab)} ms`, met(reopenKvlab <= 250)]);
  if (m) {
    rows.push([`reopen of ${f0(m.keys)} keys: snapshot + 100,000-record log (million.js)`, '≤ 250 ms', '', `${f0(m.reopenTotalMs)} ms`, met(m.reopenTotalMs <= 250)]);
    rows.push(['snapshot load', '≥ 600 MB/s', '', `${f0(m.snapshotMBps)} MB/s`, met(m.snapshotMBps >= 600)]);
    rows.push(['log replay', '≥ 150 MB/s', '', `${f0(m.logReplayMBps)} MB/s`, met(m.logReplayMBps >= 150)]);
    rows.push(['peak RSS during the open ÷ live heap', '≤ 2×', '', `${(m.peakRssBytes / m.liveHeapBytes).toFixed(2)}× (${f0(m.peakRssBytes / 2 ** 20)} / ${f0(m.liveHeapBytes / 2 ** 20)} MB)`, met(m.peakRssBytes <= 2 * m.liveHeapBytes)]);
    rows.push([`compact() of ${f0(m.keys)} keys`, '≤ 600 ms', '', `${f0(m.compactWallMs)} ms (${f0(m.compactCpuMs)} ms of CPU)`, met(m.compactWallMs <= 600)]);
    rows.push(['longest wait for an automatic compaction step', '≤ 50 ms', '', `${f0(m.compactionWaitMaxWallMs)} ms by the clock, ${f0(m.compactionWaitMaxCpuMs)} ms of CPU (the longest put without a compaction step: ${f0(m.otherPutMaxCpuMs)} ms of CPU)`, m.compactionWaitMaxWallMs <= 50 ? 'met' : m.compactionWaitMaxCpuMs <= 50 ? 'met in CPU time (the clock counts the shared machine\'s other work)' : 'not met']);
    rows.push([`put latency in a ${f0(m.keys)}-key load: max, p99.9`, 'report', '', `${f0(m.putMaxWallMs)} ms, ${f0(m.putP999WallMs)} ms`, '—']);
  }
  vs('sync-batch', 'classic-level', 1, 'durable batches of 1,000 (puts/s)');
  vs('reopen', 'classic-level', 1, '1M load in batches of 1,000, no sync (puts/s)', (x) => x.ld);
  vs('nosync-single', 'lmdb', 1, 'single puts, no sync (puts/s)');
  vs('reads', 'lmdb', 1.5, 'random gets, 100k keys (gets/s)');
  if (m) {
    rows.push([`RSS per key at ${f0(m.keys)} keys`, '≤ 300 B', '', `${f0(m.rssPerKeyBytes)} B (live heap ${f0(m.liveHeapBytes / m.keys)} B)`, met(m.rssPerKeyBytes <= 300)]);
    const ratio = m.putCostBigUs / m.putCost10kUs;
    rows.push([`put cost at ${f0(m.keys)} ÷ at 10k keys`, '≤ 1.5', '', `${ratio.toFixed(2)} (${m.putCostBigUs.toFixed(2)} ÷ ${m.putCost10kUs.toFixed(2)} µs of CPU)`, met(ratio <= 1.5)]);
  }
  // One campaign is one thread: its own rate is per core. CPU time also counts V8's helper threads.
  if (c) rows.push([`checker: crash images per second per core, \`kvlab fuzz --crash all\` (${FUZZ_SECS} s)`, '≥ 60,000', '', `${f0(c.perSecond)} (${f0(c.perCpuSecond)} per CPU second)`, met(c.perSecond >= 60_000)]);
  if (results.kvlabAlone?.millionError) rows.push(['million.js', '', '', `failed: ${results.kvlabAlone.millionError.split('\n').slice(-3).join(' ')}`, 'n/a']);
  if (results.kvlabAlone?.fuzzError) rows.push(['checker', '', '', `failed: ${results.kvlabAlone.fuzzError}`, 'n/a']);
  return ['| goal | target | peers, this run | kvlab, this run | met? |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

await main();
