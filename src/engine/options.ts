// Engine options: defaults, bounds and validation. KVStore v3 hard-coded KVSTORE_MAX_LOG_SIZE and
// KVSTORE_MAX_OPS; we make both thresholds settings, and bound everything a caller can make large.

import { TREE_ORDER_DEFAULT, TREE_ORDER_MAX, TREE_ORDER_MIN } from './bptree.js';
import { KvError } from './errors.js';
import { RECORD_PAYLOAD_BYTES_MAX } from './logging.js';
import { RECOVERY_MODES, type EngineOptions } from './state.js';

/** Hard ceilings: options may lower these, never raise them. */
export const LIMITS = {
  /** The largest key any store accepts, in UTF-8 bytes. */
  keyBytesMax: 64 * 1024,
  /** The largest value any store accepts, in UTF-8 bytes. */
  valueBytesMax: 16 * 1024 * 1024,
  /** The most ops any batch may hold. */
  batchOpsMax: 100_000,
} as const;

/** The defaults a plain openStore(dir) gets. */
export const DEFAULT_OPTIONS: EngineOptions = {
  sync: 'always',
  recovery: 'tolerate-tail',
  compactWalBytes: 64 * 1024 * 1024,
  compactWalPercent: 50,
  compactWrites: 1_000_000,
  compactSliceBytes: 64 * 1024,
  keyBytesMax: 4 * 1024,
  valueBytesMax: 1024 * 1024,
  batchOpsMax: 10_000,
  treeOrder: TREE_ORDER_DEFAULT,
};

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KvError(
      'INVALID_ARGUMENT',
      `${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

/** Merge `given` over the defaults and validate every field. */
export function resolveOptions(given: Partial<EngineOptions> = {}): EngineOptions {
  // Field by field rather than by spreading filtered entries: every open resolves its options, and
  // the checker opens a store for every crash image it judges.
  const d = DEFAULT_OPTIONS;
  const o: EngineOptions = {
    sync: given.sync ?? d.sync,
    recovery: given.recovery ?? d.recovery,
    compactWalBytes: given.compactWalBytes ?? d.compactWalBytes,
    compactWalPercent: given.compactWalPercent ?? d.compactWalPercent,
    compactWrites: given.compactWrites ?? d.compactWrites,
    compactSliceBytes: given.compactSliceBytes ?? d.compactSliceBytes,
    keyBytesMax: given.keyBytesMax ?? d.keyBytesMax,
    valueBytesMax: given.valueBytesMax ?? d.valueBytesMax,
    batchOpsMax: given.batchOpsMax ?? d.batchOpsMax,
    treeOrder: given.treeOrder ?? d.treeOrder,
  };
  if (o.sync !== 'always' && o.sync !== 'none') {
    throw new KvError(
      'INVALID_ARGUMENT',
      `sync must be "always" or "none", got ${JSON.stringify(o.sync)}`,
    );
  }
  if (!RECOVERY_MODES.includes(o.recovery)) {
    throw new KvError(
      'INVALID_ARGUMENT',
      `recovery must be one of ${RECOVERY_MODES.join(', ')}, got ${JSON.stringify(o.recovery)}`,
    );
  }
  return {
    sync: o.sync,
    recovery: o.recovery,
    compactWalBytes: integerIn('compactWalBytes', o.compactWalBytes, 1, Number.MAX_SAFE_INTEGER),
    compactWalPercent: integerIn('compactWalPercent', o.compactWalPercent, 0, 1_000_000),
    compactWrites: integerIn('compactWrites', o.compactWrites, 1, Number.MAX_SAFE_INTEGER),
    compactSliceBytes: integerIn('compactSliceBytes', o.compactSliceBytes, 1, 64 * 1024 * 1024),
    keyBytesMax: integerIn('keyBytesMax', o.keyBytesMax, 1, LIMITS.keyBytesMax),
    valueBytesMax: integerIn(
      'valueBytesMax',
      o.valueBytesMax,
      0,
      Math.min(LIMITS.valueBytesMax, RECORD_PAYLOAD_BYTES_MAX),
    ),
    batchOpsMax: integerIn('batchOpsMax', o.batchOpsMax, 1, LIMITS.batchOpsMax),
    treeOrder: integerIn('treeOrder', o.treeOrder, TREE_ORDER_MIN, TREE_ORDER_MAX),
  };
}
