// The Recovery layer (KVStore v3: kvstore_recover, kvstore_load_snapshot, kvstore_replay_log,
// kvstore_open_log). Pure: the shell reads the directory and hands over the bytes; this decides
// what state they hold and which repairs to plan, by the rules of spec/guarantees.md for the
// recovery mode.
//
// Theory of operation.
// 1. Read: each file with its version's reader (v2, or the strict v1 reader). Readers never
//    throw; they return the intact records (entries) and every region they dropped.
// 2. Assess (assessLog): each dropped region of the log is a damaged header, a torn tail (nothing
//    intact after it), damage to unsynced writes (every intact record after it says, by its
//    syncedLsn, that the damaged data had not been synced when it was written), or damage to
//    synced data. `kvlab verify` uses this same function, so it reaches the verdict open reaches.
// 3. Choose sources (chooseSources): the mode decides which records and entries to use, or
//    refuses (CORRUPTED, naming file and offset). Intact records it leaves out are discarded,
//    and listed as such.
// 4. Replay: apply the chosen records above the snapshot's LSN, each following the one before: each
//    key's last op is merged with the snapshot's sorted entries and the tree is built once.
// 5. Repair (planRepairs): remove tmp files; rewrite both files after salvage or to upgrade v1;
//    start a new log when there is none; otherwise cut the log after its last used record. Every
//    repair names the file, offset, byte count and the LSNs it discarded. Then fsync what was read.
//
// KVStore v3 mistakes fixed here: the snapshot loader checked no CRC; a line without `|` was read
// as a clean end of the log; after a torn tail the log was reopened in append mode without being
// cut, so the next record was glued onto the garbage; the snapshot path was relative to the working
// directory.

import { emptyTree, treeFromColumns } from './bptree.js';
import { compareKeys } from './bytes.js';
import { at, KvError } from './errors.js';
import { isV1Log, isV1Snapshot, readLogV1, readSnapshotV1, V1 } from './format-v1.js';
import {
  loadLog,
  WAL_HEADER_BYTES,
  WAL_MAGIC,
  type Dropped,
  type LogReadResult,
  type LogRecord,
} from './logging.js';
import { compactPlan, planNewLog } from './maintenance.js';
import { FILES, type Step, type Transition } from './plan.js';
import {
  loadSnapshot,
  SNAPSHOT_MAGIC,
  type SnapshotColumns,
  type SnapshotReadResult,
} from './snapshot.js';
import { transit, type EngineOptions, type EngineState, type RecoveryMode } from './state.js';

/** What the shell read from the store directory. */
export interface RecoveryInput {
  /** Every file name in the directory. */
  readonly names: readonly string[];
  /** The log's bytes, if the file exists. */
  readonly wal?: Uint8Array | undefined;
  /** The snapshot's bytes, if the file exists. */
  readonly snapshot?: Uint8Array | undefined;
}

/**
 * The files after reading, before any decision: the seam where the bug zoo swaps in a careless
 * reader.
 */
export interface LoadedFiles {
  /** Every file name in the directory. */
  readonly names: readonly string[];
  /** The log as read, if it exists. */
  readonly wal: LogReadResult | undefined;
  /** The snapshot as read, if it exists. */
  readonly snapshot: SnapshotReadResult | undefined;
  /**
   * The snapshot file's size (absent: unknown), so that the automatic compaction's threshold relative
   * to the snapshot holds after a reopen too.
   */
  readonly snapshotBytes?: number | undefined;
}

/** An intact record recovery did not use, and why. */
export interface DiscardedRecord {
  /** The file holding it. */
  readonly file: string;
  /** Its LSN. */
  readonly lsn: number;
  /** Where it starts in the file. */
  readonly offsetBytes: number;
  /** Its size in the file, header included. */
  readonly lengthBytes: number;
  /** Why recovery left it out, in words. */
  readonly why: string;
}

/** What recovery found and did. */
export interface RecoveryReport {
  /** The recovery mode that decided. */
  readonly mode: RecoveryMode;
  /** LSN covered by the snapshot used (0: none). */
  readonly snapshotLsn: number;
  /** Entries loaded from the snapshot. */
  readonly snapshotEntries: number;
  /** Intact records in the log. */
  readonly walRecords: number;
  /** How many of them were replayed (those above the snapshot's LSN). */
  readonly replayed: number;
  /** The LSN the recovered state ends at. */
  readonly lastLsn: number;
  /** Every region of every file that was not used, and why. */
  readonly dropped: readonly Dropped[];
  /** Intact log records left out (after damage, under point-in-time or the synced-LSN rule). */
  readonly discarded: readonly DiscardedRecord[];
  /** The repairs planned, in words: each names the file, offset, byte count and LSNs discarded. */
  readonly repairs: readonly string[];
}

/** Recover from the raw bytes (KVStore v3: kvstore_recover). */
export function recover(input: RecoveryInput, options: EngineOptions): Transition<RecoveryReport> {
  return recoverFrom(loadFiles(input), options);
}

/**
 * Decide the recovered state and the repair plan from files already read. Throws CORRUPTED (naming
 * the file and offset) when the recovery mode refuses what it found.
 */
export function recoverFrom(
  files: LoadedFiles,
  options: EngineOptions,
): Transition<RecoveryReport> {
  const sources = chooseSources(files, options.recovery);
  const done = replay(sources, options);
  const fixed = planRepairs(files, sources, done);
  const report: RecoveryReport = {
    mode: options.recovery,
    snapshotLsn: sources.snapshotLsn,
    snapshotEntries: sources.entries.keys.length,
    walRecords: files.wal?.records.length ?? 0,
    replayed: done.replayed,
    lastLsn: fixed.state.lastLsn,
    dropped: [...(files.snapshot?.dropped ?? []), ...(files.wal?.dropped ?? [])],
    discarded: sources.discarded,
    repairs: fixed.repairs,
  };
  const plan = [...fixed.steps, { kind: 'fsyncDir' as const }];
  return { state: transit(fixed.state, 'recovered'), result: report, plan };
}

/** Read both files, each with the reader of the version it says it has. */
export function loadFiles(input: RecoveryInput): LoadedFiles {
  const { wal, snapshot } = input;
  const v1Log = wal !== undefined && isV1Log(wal, WAL_MAGIC);
  const v1Snapshot = snapshot !== undefined && isV1Snapshot(snapshot, SNAPSHOT_MAGIC);
  return {
    names: input.names,
    snapshotBytes: snapshot?.length,
    wal:
      wal === undefined ? undefined : v1Log ? readLogV1(wal, FILES.wal) : loadLog(wal, FILES.wal),
    snapshot:
      snapshot === undefined
        ? undefined
        : v1Snapshot
          ? readSnapshotV1(snapshot, FILES.snapshot)
          : loadSnapshot(snapshot, FILES.snapshot),
  };
}

// -------------------------------------------------------------------------------------------------
// Assess: what each damaged region of the log means. Shared with `kvlab verify`.

/** What a dropped region of the log is. */
export type DamageKind = 'header' | 'torn-tail' | 'unsynced' | 'synced';

/** One dropped region of the log, classified. */
export interface LogDamage {
  /** The region the reader dropped. */
  readonly region: Dropped;
  /** What it is: a damaged header, a torn tail, damage to unsynced writes, or to synced data. */
  readonly kind: DamageKind;
  /** The intact records after the region. */
  readonly after: readonly LogRecord[];
}

/**
 * Classify every dropped region of `log`. `coveredLsn` is the snapshot's LSN: data it covers needs
 * no log record. A record after the region whose syncedLsn is above both the last LSN before the
 * region and `coveredLsn` proves the damaged bytes had been fsynced: a crash cannot explain them.
 */
export function assessLog(log: LogReadResult, coveredLsn: number): LogDamage[] {
  return log.dropped.map((region) => {
    const after = log.records.filter(
      (r) => r.offsetBytes >= region.offsetBytes + region.lengthBytes,
    );
    const lsnBefore = Math.max(region.lsnBefore, coveredLsn);
    let kind: DamageKind;
    if (region.reason === 'missing-header' || region.reason === 'bad-header') kind = 'header';
    else if (after.length === 0) kind = 'torn-tail';
    else kind = after.some((r) => r.syncedLsn > lsnBefore) ? 'synced' : 'unsynced';
    return { region, kind, after };
  });
}

/** Why a v1 file with damage is refused, and what to do about it. */
const V1_DAMAGE =
  'is format v1 and damaged: this kvlab reads v1 files only when intact. Open the store with the previous kvlab (0.1) in recovery mode "salvage", then open it with this one to upgrade it';

function corrupted(detail: string, at: Dropped | undefined): KvError {
  const where = at === undefined ? {} : { file: at.file, offsetBytes: at.offsetBytes };
  return new KvError('CORRUPTED', detail, where);
}

/**
 * What the mode keeps of the log: the records to use and the intact ones discarded; or a refusal.
 */
function judgeLog(
  log: LogReadResult,
  mode: RecoveryMode,
  coveredLsn: number,
): { records: readonly LogRecord[]; discarded: DiscardedRecord[] } {
  const damage = assessLog(log, coveredLsn);
  const first = damage[0];
  if (first === undefined) return { records: log.records, discarded: [] };
  if (log.version === V1) throw corrupted(`the log ${V1_DAMAGE}`, first.region);
  if (mode === 'salvage') return { records: log.records, discarded: [] };
  if (first.kind === 'header')
    throw corrupted(`the log's header is ${first.region.reason}`, first.region);
  if (mode === 'absolute')
    throw corrupted(
      `${first.region.reason} in the log (recovery mode "absolute" accepts no damage)`,
      first.region,
    );
  const synced = damage.find((d) => d.kind === 'synced');
  if (mode === 'tolerate-tail' && synced !== undefined)
    throw corrupted(
      `${synced.region.reason} in the middle of the log, followed by intact records written after it was synced`,
      synced.region,
    );
  // Keep the records before the first damage. Under tolerate-tail what follows was never synced
  // (else it refused above): dropped like a torn tail. Under point-in-time it is dropped
  // regardless.
  const why =
    first.kind === 'synced'
      ? 'after damage to synced data (point-in-time)'
      : 'after damage to writes never synced';
  const discarded = first.after.map((r) => ({
    file: first.region.file,
    lsn: r.lsn,
    offsetBytes: r.offsetBytes,
    lengthBytes: r.lengthBytes,
    why,
  }));
  return {
    records: log.records.filter((r) => r.offsetBytes < first.region.offsetBytes),
    discarded,
  };
}

/** The snapshot's entries and LSN, or a refusal when the mode refuses a damaged snapshot. */
function judgeSnapshot(
  snapshot: SnapshotReadResult | undefined,
  mode: RecoveryMode,
): { lsn: number; entries: SnapshotColumns } {
  if (snapshot === undefined) return { lsn: 0, entries: { keys: [], values: [] } };
  const damage = snapshot.dropped[0];
  if (damage !== undefined && snapshot.version === V1)
    throw corrupted(`the snapshot ${V1_DAMAGE}`, damage);
  if (damage !== undefined && mode !== 'salvage')
    throw corrupted(`the snapshot is damaged (${damage.reason})`, damage);
  return { lsn: snapshot.lsn ?? 0, entries: snapshot.columns ?? toColumns(snapshot.entries) };
}

/** Pairs as two flat arrays (a snapshot read by the careful reader, or a v1 one). */
function toColumns(entries: readonly (readonly [string, string])[]): SnapshotColumns {
  return { keys: entries.map(([key]) => key), values: entries.map(([, value]) => value) };
}

// -------------------------------------------------------------------------------------------------
// Choose sources: what the mode lets recovery use.

/** The snapshot entries and log records recovery uses. */
interface Sources {
  readonly mode: RecoveryMode;
  readonly snapshotLsn: number;
  readonly entries: SnapshotColumns;
  readonly records: readonly LogRecord[];
  readonly discarded: readonly DiscardedRecord[];
  /**
   * The LSN the log's header says it starts after (the snapshot's when the header is unreadable).
   */
  readonly walBaseLsn: number;
  /** The snapshot file's size, when known. */
  readonly snapshotBytes: number | undefined;
}

function chooseSources(files: LoadedFiles, mode: RecoveryMode): Sources {
  const snap = judgeSnapshot(files.snapshot, mode);
  const log = files.wal;
  if (log === undefined && files.snapshot !== undefined && mode !== 'salvage')
    throw new KvError('CORRUPTED', 'the snapshot exists but the log is missing', {
      file: FILES.wal,
    });
  const kept = log === undefined ? { records: [], discarded: [] } : judgeLog(log, mode, snap.lsn);
  const walBaseLsn = log?.baseLsn ?? snap.lsn;
  if (walBaseLsn > snap.lsn && mode !== 'salvage') {
    // The log starts after LSN walBaseLsn, so records (snapshot, walBaseLsn] exist nowhere.
    throw new KvError(
      'CORRUPTED',
      `the log starts after LSN ${walBaseLsn} but the snapshot covers only LSN ${snap.lsn}`,
      { file: FILES.wal, offsetBytes: 0 },
    );
  }
  return {
    mode,
    snapshotLsn: snap.lsn,
    entries: snap.entries,
    records: kept.records,
    discarded: kept.discarded,
    walBaseLsn,
    snapshotBytes: files.snapshotBytes,
  };
}

// -------------------------------------------------------------------------------------------------
// Replay.

interface Replayed {
  readonly state: EngineState;
  readonly replayed: number;
  /** The newest LSN present in the log as it will stand (base when it holds no record). */
  readonly walLastLsn: number;
}

/**
 * Apply the records above the snapshot's LSN, requiring each to follow the one before (salvage
 * excepted). Replay keeps the last op per key (what applying every record in order leaves), then
 * merges those with the snapshot's sorted entries and builds the tree bottom-up once: a replay of
 * 100,000 records into a million keys made 100,000 root-to-leaf descents and copies before. A refusal
 * midway throws before any tree is built.
 */
function replay(sources: Sources, options: EngineOptions): Replayed {
  // Each key's last op: its value, or undefined for a delete.
  const lastOps = new Map<string, string | undefined>();
  let lastLsn = sources.snapshotLsn;
  let replayed = 0;
  for (const record of sources.records) {
    if (record.lsn <= sources.snapshotLsn) continue; // already in the snapshot
    if (record.lsn !== lastLsn + 1 && sources.mode !== 'salvage') {
      throw new KvError('CORRUPTED', `the log jumps from LSN ${lastLsn} to ${record.lsn}`, {
        file: FILES.wal,
        offsetBytes: record.offsetBytes,
      });
    }
    for (const op of record.ops) lastOps.set(op.key, op.op === 'put' ? op.value : undefined);
    lastLsn = record.lsn;
    replayed++;
  }
  const merged = lastOps.size === 0 ? sources.entries : mergeOps(sources.entries, lastOps);
  const state: EngineState = {
    phase: 'RECOVERING',
    options,
    tree: treeFromColumns(merged.keys, merged.values, options.treeOrder),
    lastLsn,
    // Recovery fsyncs what it read before anyone is shown it (planRepairs).
    durableLsn: lastLsn,
    walBaseLsn: sources.walBaseLsn,
    walBytes: 0,
    snapshotLsn: sources.snapshotLsn,
    snapshotBytes: sources.snapshotBytes,
    writesSinceCompact: sources.records.length,
  };
  const last = sources.records[sources.records.length - 1];
  return { state, replayed, walLastLsn: last?.lsn ?? sources.walBaseLsn };
}

/** A UTF-16 unit where code unit order and UTF-8 byte order (compareKeys) part ways. */
const SURROGATE_OR_ABOVE = /[\uD800-\uFFFF]/;

/** True when no key holds a unit at or above U+D800: then JS `<` on them is compareKeys' order. */
function unitOrdered(keys: readonly string[]): boolean {
  return !keys.some((key) => SURROGATE_OR_ABOVE.test(key));
}

/** Keys from which sortKeys sorts by prefix first; fewer are sorted directly. */
const PREFIX_SORT_MIN = 4096;
/** Every prefix × index span + index stays below this: an exact double. */
const EXACT_SPAN = 2 ** 53;
/** The leading units sortKeys looks at. */
const PREFIX_UNITS_MAX = 8;

/**
 * `keys` sorted by compareKeys, in place; `native` when JS `<` agrees with it on these keys (no unit
 * at or above U+D800). Many keys: each becomes a number, its prefix (prefixDigits) times a power of
 * two above the key count, plus its index, and a Float64Array of those is sorted natively; only keys
 * that share a prefix are then compared as strings. A plain sort compared strings 20 times per key, each a pointer chase to text
 * scattered over the log's pages: 0.9 s of a 530,000-key replay.
 */
export function sortKeys(keys: string[], native: boolean): void {
  const order = sortedOrder(keys, native);
  const sorted = Array.from(order, (k) => at(keys, k, 'key'));
  for (let i = 0; i < keys.length; i++) keys[i] = at(sorted, i, 'sorted key');
}

/** The indices of `keys` in sortKeys' order (the keys themselves stay where they are). */
function sortedOrder(keys: readonly string[], native: boolean): Int32Array {
  const n = keys.length;
  const byKey = native
    ? (a: number, b: number) => {
        const x = at(keys, a, 'key');
        const y = at(keys, b, 'key');
        return x < y ? -1 : x > y ? 1 : 0;
      }
    : (a: number, b: number) => compareKeys(at(keys, a, 'key'), at(keys, b, 'key'));
  if (n < PREFIX_SORT_MIN) return Int32Array.from(keys, (_, i) => i).sort(byKey);
  // The index takes the low bits (a power of two above n), the prefix the rest of 53.
  const indexSpan = 2 ** Math.ceil(Math.log2(n + 1));
  const digits = prefixDigits(keys, EXACT_SPAN / indexSpan);
  const tagged = new Float64Array(n);
  for (let i = 0; i < n; i++) tagged[i] = prefixOf(at(keys, i, 'key'), digits) * indexSpan + i;
  tagged.sort();
  const order = Int32Array.from(tagged, (t) => t % indexSpan);
  // Runs of one prefix are in index order: sort each by the whole key (most runs hold one key).
  let runAt = 0;
  for (let i = 1; i <= n; i++) {
    const same =
      i < n &&
      Math.floor(at(tagged, i, 'tag') / indexSpan) ===
        Math.floor(at(tagged, runAt, 'tag') / indexSpan);
    if (same) continue;
    if (i - runAt > 1) order.subarray(runAt, i).sort(byKey);
    runAt = i;
  }
  return order;
}

/** How prefixOf turns leading units into digits. */
interface PrefixDigits {
  /** The smallest unit below U+D800 among the keys' first PREFIX_UNITS_MAX units. */
  readonly low: number;
  /** Digits per unit: 0 for a missing unit, 1 + unit - low, and base - 1 for U+D800 and up. */
  readonly base: number;
  /** How many leading units make the prefix: base^count stays within the span given. */
  readonly count: number;
}

/**
 * The digits that fit the keys' alphabet: hex keys use 16 units of a range of 55, so a unit costs
 * under 6 bits and five units fit, where 8 bits a unit fitted four (a run of equal prefixes is
 * sorted by string comparisons: fewer and shorter runs are the point).
 */
function prefixDigits(keys: readonly string[], prefixSpan: number): PrefixDigits {
  let low = SURROGATE_START;
  let high = 0;
  for (const key of keys) {
    for (let i = 0; i < PREFIX_UNITS_MAX && i < key.length; i++) {
      const unit = key.charCodeAt(i);
      if (unit >= SURROGATE_START) continue;
      if (unit < low) low = unit;
      if (unit > high) high = unit;
    }
  }
  if (low > high) low = high; // no unit below U+D800 at all: any digits do
  const base = high - low + 3;
  let count = 0;
  // At most PREFIX_UNITS_MAX turns; base is at least 3, so base^count grows.
  for (let span = base; span <= prefixSpan && count < PREFIX_UNITS_MAX; span *= base) count++;
  return { low, base, count };
}

/** The first unit at which compareKeys' order and code unit order can part. */
const SURROGATE_START = 0xd800;

/**
 * A number that never decreases as keys go up in compareKeys order: the first `count` units as
 * digits in `base`, a missing unit as 0. A unit below U+D800 orders as its code point; a unit from
 * U+D800 up (where the two orders part) becomes the top digit and ends the prefix (the rest stay 0),
 * so that keys that differ there or after tie and the strings decide.
 */
function prefixOf(key: string, { low, base, count }: PrefixDigits): number {
  let p = 0;
  let i = 0;
  for (; i < count && i < key.length; i++) {
    const unit = key.charCodeAt(i);
    if (unit >= SURROGATE_START) {
      p = p * base + base - 1;
      i++;
      break;
    }
    p = p * base + 1 + unit - low;
  }
  for (; i < count; i++) p *= base;
  return p;
}

/**
 * The sorted entries after each key's last op: a put sets the key, a delete (undefined) removes it.
 * One merge of two sorted runs: the snapshot's and the replayed keys, sorted here. When the snapshot's
 * text was ASCII (its columns say so) and no replayed key holds a unit at or above U+D800, both runs
 * compare with JS `<`, which makes no call per comparison (a third of the merge); the output columns
 * are allocated once at their largest size and cut to length at the end, not grown push by push.
 */
function mergeOps(
  entries: SnapshotColumns,
  lastOps: ReadonlyMap<string, string | undefined>,
): SnapshotColumns {
  // Keys and values in the map's order (a walk of its entries, not a lookup per key: a lookup in a
  // map of 530,000 keys was a cache miss each), then visited in sorted order.
  const ops = [...lastOps.keys()];
  const opValues = [...lastOps.values()];
  const native = unitOrdered(ops) && (entries.ascii === true || unitOrdered(entries.keys));
  const order = sortedOrder(ops, native);
  const from = entries.keys;
  const fromValues = entries.values;
  const keys = new Array<string>(from.length + ops.length);
  const values = new Array<string>(from.length + ops.length);
  let n = 0;
  let i = 0;
  for (const o of order) {
    const key = at(ops, o, 'op key');
    // The snapshot's keys below this one stay; the same key is replaced (or removed) below.
    for (
      let k = from[i];
      k !== undefined && (native ? k < key : compareKeys(k, key) < 0);
      k = from[++i]
    ) {
      keys[n] = k;
      values[n++] = at(fromValues, i, 'snapshot value');
    }
    if (from[i] === key) i++;
    const value = opValues[o];
    if (value !== undefined) {
      keys[n] = key;
      values[n++] = value;
    }
  }
  for (; i < from.length; i++) {
    keys[n] = at(from, i, 'snapshot key');
    values[n++] = at(fromValues, i, 'snapshot value');
  }
  keys.length = n;
  values.length = n;
  return { keys, values };
}

// -------------------------------------------------------------------------------------------------
// Repair: make the files match the recovered state before any write.

interface Repaired {
  readonly state: EngineState;
  readonly steps: Step[];
  readonly repairs: string[];
}

/**
 * Remove tmp files; then rewrite both files (after salvage skipped damage, or to upgrade v1), or
 * start a new log (none yet, or the snapshot is newer than all of it), or cut what the log holds
 * after the last record used. Always fsync what was read.
 */
function planRepairs(files: LoadedFiles, sources: Sources, done: Replayed): Repaired {
  const steps: Step[] = [];
  const repairs: string[] = [];
  // A tmp file is a snapshot or log whose writer died before its rename: never trusted, always
  // removed.
  for (const tmp of [FILES.snapshotTmp, FILES.walTmp]) {
    if (files.names.includes(tmp)) {
      steps.push({ kind: 'unlink', file: tmp });
      repairs.push(`removed ${tmp}, left by an interrupted snapshot or compaction`);
    }
  }
  const rest =
    rewriteRepair(files, sources, done) ??
    newLogRepair(files, sources, done) ??
    cutRepair(files, sources, done);
  return {
    state: rest.state,
    steps: [...steps, ...rest.steps],
    repairs: [...repairs, ...rest.repairs],
  };
}

/**
 * Rewrite both files from memory: after salvage skipped damage or a gap, or to upgrade format v1.
 */
function rewriteRepair(files: LoadedFiles, sources: Sources, done: Replayed): Repaired | undefined {
  const v1 = files.wal?.version === V1 || files.snapshot?.version === V1;
  const dropped = [...(files.snapshot?.dropped ?? []), ...(files.wal?.dropped ?? [])];
  const salvaged =
    sources.mode === 'salvage' && (dropped.length > 0 || sources.walBaseLsn > sources.snapshotLsn);
  if (!v1 && !salvaged) return undefined;
  const rewrite = compactPlan(done.state);
  const repair = salvaged
    ? `rewrote ${FILES.snapshot} and ${FILES.wal} from the ${done.state.tree.size} keys salvaged (LSN ${done.state.lastLsn}), dropping ${dropped.map(describeDropped).join('; ')}`
    : `upgraded ${FILES.snapshot} and ${FILES.wal} from format v1 to v2 (${done.state.tree.size} keys, LSN ${done.state.lastLsn})`;
  return { state: rewrite.state, steps: [...rewrite.plan], repairs: [repair] };
}

/** Start a log after the snapshot: there is none yet, or every record left in it is older. */
function newLogRepair(files: LoadedFiles, sources: Sources, done: Replayed): Repaired | undefined {
  if (files.wal !== undefined && done.state.lastLsn <= done.walLastLsn) return undefined;
  const lsn = done.state.lastLsn;
  const replaced = files.wal === undefined ? undefined : fileEnd(files.wal);
  const dropped = (files.wal?.dropped ?? []).map(describeDropped);
  const lost = [...dropped, discardedWords(sources.discarded)].filter((w) => w !== '');
  const repair =
    replaced === undefined
      ? `created a new ${FILES.wal}`
      : `started a new ${FILES.wal} after LSN ${lsn}, the snapshot's, replacing ${replaced} bytes${lost.length > 0 ? `: ${lost.join('; ')}` : ' that held no newer record'}`;
  const state = {
    ...done.state,
    walBaseLsn: lsn,
    walBytes: WAL_HEADER_BYTES,
    writesSinceCompact: 0,
  };
  return { state, steps: planNewLog(lsn), repairs: [repair] };
}

/** Cut the log after the last record used, naming what the cut drops; then fsync the log. */
function cutRepair(files: LoadedFiles, sources: Sources, done: Replayed): Repaired {
  const log = files.wal;
  const last = sources.records[sources.records.length - 1];
  const walBytes = last === undefined ? WAL_HEADER_BYTES : last.offsetBytes + last.lengthBytes;
  const steps: Step[] = [];
  const repairs: string[] = [];
  const sizeBytes = log === undefined ? walBytes : fileEnd(log);
  if (sizeBytes > walBytes) {
    steps.push({ kind: 'truncate', file: FILES.wal, sizeBytes: walBytes });
    const intact = discardedWords(sources.discarded) || 'no intact record';
    const damaged = (log?.dropped ?? []).map(describeDropped).join('; ');
    repairs.push(
      `cut ${FILES.wal} at offset ${walBytes}, dropping ${sizeBytes - walBytes} bytes: ${damaged}; ${intact}`,
    );
  }
  // What recovery read may sit in the page cache only (a killed process's unsynced writes); make it
  // durable before anyone is shown it, so that a later power loss cannot take back what was
  // recovered.
  steps.push({ kind: 'fsync', file: FILES.wal });
  return { state: { ...done.state, walBytes }, steps, repairs };
}

/** Where the last byte the reader saw ends: the file's size. */
function fileEnd(log: LogReadResult): number {
  let end = WAL_HEADER_BYTES;
  for (const r of log.records) end = Math.max(end, r.offsetBytes + r.lengthBytes);
  for (const d of log.dropped) end = Math.max(end, d.offsetBytes + d.lengthBytes);
  return end;
}

/** A dropped region in words: file, offset, byte count, reason. */
export function describeDropped(d: Dropped): string {
  return `${d.reason} in ${d.file} at offset ${d.offsetBytes} (${d.lengthBytes} bytes, after LSN ${d.lsnBefore})`;
}

/** The intact records discarded, in words ('' when none). */
function discardedWords(discarded: readonly DiscardedRecord[]): string {
  const first = discarded[0];
  if (first === undefined) return '';
  return `intact records LSN ${lsnList(discarded.map((d) => d.lsn))} (${first.why})`;
}

/** LSNs as ranges: 3..5, 9. */
function lsnList(lsns: readonly number[]): string {
  const parts: string[] = [];
  let start = lsns[0];
  let end = start;
  for (const lsn of [...lsns.slice(1), undefined]) {
    if (lsn !== undefined && end !== undefined && lsn === end + 1) {
      end = lsn;
      continue;
    }
    if (start !== undefined) parts.push(start === end ? `${start}` : `${start}..${end}`);
    start = lsn;
    end = lsn;
  }
  return parts.join(', ');
}

/** The state of a store before recovery has run: empty and RECOVERING. */
export function initialState(options: EngineOptions): EngineState {
  return {
    phase: 'RECOVERING',
    options,
    tree: emptyTree(options.treeOrder),
    lastLsn: 0,
    durableLsn: 0,
    walBaseLsn: 0,
    walBytes: 0,
    snapshotLsn: 0,
    writesSinceCompact: 0,
  };
}
