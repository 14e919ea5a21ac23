// The Execution layer (KVStore v3: kvstore_exec_write, kvstore_put, kvstore_del): the one funnel every write
// goes through. In order: (1) the state machine allows it, (2) the arguments are within bounds, (3) the
// Logging layer encodes one record, (4) the Apply layer computes the new tree. The plan appends the record
// (and fsyncs it under sync "always"); the shell adopts the new tree only after that plan succeeded, which
// is "write the log, then change memory" made structural.
//
// Seed mistakes fixed here: PUT checked `mode` and DEL checked `readonly` (now one check for both);
// ops_count was counted twice per write (now writesSinceCompact counts once, here); and maybe_compact ran
// before apply, so compaction missed the triggering write (the automatic compaction's step is now a
// separate operation that the shell runs only after this one's state is adopted: see maintenance.ts).

import { applyOps } from './apply.js';
import { utf8Bytes } from './bytes.js';
import { KvError } from './errors.js';
import {
  BATCH_OP_HEADER_BYTES,
  RECORD_PAYLOAD_BYTES_MAX,
  encodeRecord,
  type WriteOp,
} from './logging.js';
import { carryRecord } from './maintenance.js';
import { FILES, type Step, type Transition } from './plan.js';
import { allow, type EngineOptions, type EngineState } from './state.js';

/** What a successful write reports. */
export interface WriteResult {
  /** The LSN given to the write. */
  readonly lsn: number;
}

/** Any unit from U+0080 up: a string without one is ASCII. */
const NON_ASCII = /[\u0080-\uFFFF]/;

function checkText(what: string, text: unknown, bytesMax: number): number {
  if (typeof text !== 'string')
    throw new KvError('INVALID_ARGUMENT', `${what} must be a string, got ${typeof text}`);
  // An ASCII string is well-formed and takes one byte a unit: one native scan answers both, in about
  // half the time of isWellFormed and the unit loop of utf8Bytes (most keys and values are ASCII).
  const bytes = NON_ASCII.test(text) ? wellFormedBytes(what, text) : text.length;
  if (bytes > bytesMax)
    throw new KvError(
      'INVALID_ARGUMENT',
      `${what} is ${bytes} bytes, over the limit of ${bytesMax}`,
    );
  return bytes;
}

/** The UTF-8 size of `text`, which must be well-formed. */
function wellFormedBytes(what: string, text: string): number {
  // A lone surrogate has no UTF-8 encoding: it would not read back as the string that was written.
  if (!text.isWellFormed())
    throw new KvError('INVALID_ARGUMENT', `${what} is not well-formed UTF-16 (lone surrogate)`);
  return utf8Bytes(text);
}

/** Validate ops against the options; returns the UTF-8 bytes of their keys and values together. */
function checkOps(ops: readonly WriteOp[], options: EngineOptions): number {
  if (!Array.isArray(ops) || ops.length === 0)
    throw new KvError('INVALID_ARGUMENT', 'a batch needs at least one op');
  if (ops.length > options.batchOpsMax) {
    throw new KvError(
      'INVALID_ARGUMENT',
      `a batch holds at most ${options.batchOpsMax} ops, got ${ops.length}`,
    );
  }
  let textBytes = 0;
  for (const op of ops) {
    if (op === null || typeof op !== 'object' || (op.op !== 'put' && op.op !== 'del')) {
      throw new KvError(
        'INVALID_ARGUMENT',
        'each op must be {op: "put", key, value} or {op: "del", key}',
      );
    }
    textBytes += checkText('key', op.key, options.keyBytesMax);
    if (op.op === 'put') textBytes += checkText('value', op.value, options.valueBytesMax);
  }
  const payloadBytes = 4 + BATCH_OP_HEADER_BYTES * ops.length + textBytes;
  if (payloadBytes > RECORD_PAYLOAD_BYTES_MAX) {
    throw new KvError(
      'INVALID_ARGUMENT',
      `a batch encodes to ${payloadBytes} bytes, over the limit of ${RECORD_PAYLOAD_BYTES_MAX}`,
    );
  }
  return textBytes;
}

/** The append (and, under sync "always", the fsync) that makes a record part of the log. */
export function planAppend(state: EngineState, record: Uint8Array): Step[] {
  const append: Step = {
    kind: 'append',
    file: FILES.wal,
    offsetBytes: state.walBytes,
    data: record,
  };
  return state.options.sync === 'always' ? [append, { kind: 'fsync', file: FILES.wal }] : [append];
}

/** `T` with every optional field required (undefined still allowed): a literal must name them all. */
type EveryField<T> = { [K in keyof Required<T>]: T[K] };

/** Write ops as one record: one PUT, one DEL, or an atomic batch (KVStore v3: kvstore_exec_write). */
export function executeWrite(state: EngineState, ops: readonly WriteOp[]): Transition<WriteResult> {
  allow(state.phase, 'write');
  const textBytes = checkOps(ops, state.options);
  const lsn = state.lastLsn + 1;
  // The record says how far the log was durable when it was written: recovery tells by it whether
  // damage before it hit synced data (spec/guarantees.md, "Power loss"). The text's size is the one
  // checkOps counted: counting it again was a tenth of a batch's time.
  const record = encodeRecord(lsn, ops, state.durableLsn, textBytes);
  // Every field written out rather than `...state`: the spread cost as much as the rest of this
  // function on every put. `EveryField` makes the compiler insist on each, optional ones included.
  const next: EveryField<EngineState> = {
    phase: state.phase,
    options: state.options,
    tree: applyOps(state.tree, ops),
    lastLsn: lsn,
    durableLsn: state.options.sync === 'always' ? lsn : state.durableLsn,
    walBaseLsn: state.walBaseLsn,
    walBytes: state.walBytes + record.length,
    snapshotLsn: state.snapshotLsn,
    writesSinceCompact: state.writesSinceCompact + 1,
    snapshotBytes: state.snapshotBytes,
    compaction: state.compaction,
  };
  // During a compaction the record also goes to the log that will replace this one (maintenance.ts).
  const carried = carryRecord(next, record);
  return {
    state: carried.state,
    result: { lsn },
    plan: [...planAppend(state, record), ...carried.plan],
  };
}
