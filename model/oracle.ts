// The oracle: spec/guarantees.md as code. Given the model's history and the fault that happened, it
// says which recovered states are allowed; given what recovery returned, it names the violation, if any.
// It follows RocksDB's db_stress rules: acknowledged durable writes survive, a pending write (a batch too)
// is present or absent as one unit, and what survives is a prefix of the writes issued, with no holes.

import { checkTree, treeEntries } from '../src/engine/bptree.js';
import { isKvError } from '../src/engine/errors.js';
import type { EngineOptions, EngineState } from '../src/engine/state.js';
import type { KvModel } from './model.js';

/** The faults the oracle knows. Damage says what the damaged region held before it was damaged. */
export type Fault =
  | { readonly kind: 'clean' }
  | { readonly kind: 'kill' }
  | { readonly kind: 'power' }
  | { readonly kind: 'io-error' }
  | {
      readonly kind: 'damage';
      /** The damage hit a snapshot or a log header: no mode but salvage may open. */
      readonly structural: boolean;
      /** The LSN of the last record wholly before the damage (or the snapshot's, if higher). */
      readonly lsnBefore: number;
      /**
       * An intact record follows the damage whose syncedLsn shows the damaged data had been synced:
       * tolerate-tail must refuse. (Followed only by records written before it was synced, the damage
       * looks like a lost unsynced write, and tolerate-tail drops it like a torn tail.)
       */
      readonly followedBySynced: boolean;
    };

/** What a recovery may return. */
export interface Allowed {
  /** Lowest and highest LSN the recovered state may end at: S(k) with min <= k <= max. */
  readonly minLsn: number;
  readonly maxLsn: number;
  /** CORRUPTED is an allowed answer. */
  readonly mayRefuse: boolean;
  /** CORRUPTED is the only allowed answer. */
  readonly mustRefuse: boolean;
  /** False under salvage after damage or power loss: the state need not be any S(k). */
  readonly prefix: boolean;
}

/** The outcomes guarantees.md allows after `fault`, for these options. */
export function allowedAfter(
  model: KvModel,
  fault: Fault,
  options: Pick<EngineOptions, 'sync' | 'recovery'>,
): Allowed {
  const max = model.lastIssuedLsn;
  const mode = options.recovery;
  const absolute = mode === 'absolute';
  // Any S(k) from `minLsn` on; only absolute may refuse (it refuses even a torn tail).
  const from = (minLsn: number, prefix = true): Allowed => ({
    minLsn,
    maxLsn: max,
    mayRefuse: absolute,
    mustRefuse: false,
    prefix,
  });
  switch (fault.kind) {
    case 'clean':
      return { minLsn: max, maxLsn: max, mayRefuse: false, mustRefuse: false, prefix: true };
    case 'kill':
      return from(model.ackedLsn);
    case 'io-error':
      return from(model.durableLsn);
    case 'power':
      // With sync "none", unsynced appends may survive out of order, but every record carries the
      // LSN that was synced when it was written, so tolerate-tail tells lost unsynced writes from
      // damage and opens; salvage may keep a later record past a lost one (no prefix).
      return options.sync === 'always'
        ? from(model.ackedLsn)
        : from(model.durableLsn, mode !== 'salvage');
    case 'damage': {
      if (mode === 'salvage')
        return { minLsn: 0, maxLsn: max, mayRefuse: false, mustRefuse: false, prefix: false };
      const mustRefuse =
        fault.structural || absolute || (mode === 'tolerate-tail' && fault.followedBySynced);
      return {
        minLsn: Math.min(fault.lsnBefore, max),
        maxLsn: max,
        mayRefuse: mode === 'tolerate-tail',
        mustRefuse,
        prefix: true,
      };
    }
  }
}

/** What a recovery returned: a state, or an error. */
export type Outcome = { readonly state: EngineState } | { readonly error: unknown };

function sameState(state: EngineState, expected: ReadonlyMap<string, string>): string | undefined {
  const got = [...treeEntries(state.tree)];
  if (got.length !== expected.size) return `${got.length} keys, expected ${expected.size}`;
  for (const [k, v] of got) {
    if (expected.get(k) !== v)
      return `key ${JSON.stringify(k)} holds ${JSON.stringify(v)}, expected ${JSON.stringify(expected.get(k) ?? '(absent)')}`;
  }
  return undefined;
}

/** The violation in `outcome`, in words, or undefined when guarantees.md allows it. */
export function violation(model: KvModel, allowed: Allowed, outcome: Outcome): string | undefined {
  if ('error' in outcome) {
    if (isKvError(outcome.error, 'CORRUPTED') && (allowed.mayRefuse || allowed.mustRefuse))
      return undefined;
    return `recovery failed where it must succeed: ${String(outcome.error)}`;
  }
  const { state } = outcome;
  if (allowed.mustRefuse)
    return `recovery opened (LSN ${state.lastLsn}) where it must refuse with CORRUPTED`;
  if (state.phase !== 'READY') return `recovered store is ${state.phase}, not READY`;
  const broken = checkTree(state.tree);
  if (broken.length > 0) return `tree invariant broken after recovery: ${broken.join('; ')}`;
  if (!allowed.prefix) {
    for (const [k, v] of treeEntries(state.tree)) {
      if (!model.wasEverPut(k, v))
        return `salvage invented ${JSON.stringify(k)} = ${JSON.stringify(v)}, never written`;
    }
    return undefined;
  }
  const k = state.lastLsn;
  if (k < allowed.minLsn || k > allowed.maxLsn) {
    return `recovered to LSN ${k}, outside the allowed ${allowed.minLsn}..${allowed.maxLsn} (a write that was promised is lost, or one never issued appeared)`;
  }
  const diff = sameState(state, model.stateAt(k));
  return diff === undefined
    ? undefined
    : `recovered LSN ${k}, but the state is not S(${k}): ${diff}`;
}

/**
 * The violation in what a FAILED store reads, or undefined. spec/states.md: after an I/O error the
 * store keeps, and reads from, the last state whose plan fully succeeded, which is S(k) for the
 * newest acknowledged write k (a write whose plan failed was never acknowledged).
 */
export function failedReadsViolation(
  model: KvModel,
  entries: readonly (readonly [string, string])[],
): string | undefined {
  const expected = model.stateAt(model.ackedLsn);
  const shown = JSON.stringify(entries);
  if (entries.length !== expected.size || entries.some(([k, v]) => expected.get(k) !== v))
    return `the FAILED store reads ${shown}, not S(${model.ackedLsn}) = ${JSON.stringify([...expected])}, the last state whose plan fully succeeded`;
  return undefined;
}
