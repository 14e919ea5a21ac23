// The verdict on one recovery, as the story and the picture tell it: what was recovered, the allowed
// state S(k) nearest to it, and the first key where the two differ (Jepsen's "minimal anomalous history"
// as a table). Taken when recovery returns: the model moves on (settles) right after.

import { treeEntries } from '../../src/engine/bptree.js';
import { compareKeys } from '../../src/engine/bytes.js';
import type { RecoveryEvent } from '../../model/system.js';

/** The first key where `got` and `want` differ. */
function firstDifference(
  got: ReadonlyMap<string, string>,
  want: ReadonlyMap<string, string>,
): { key: string; recovered: string; allowed: string } | undefined {
  const keys = [...new Set([...got.keys(), ...want.keys()])].sort(compareKeys);
  for (const key of keys) {
    if (got.get(key) !== want.get(key)) {
      const g = got.get(key);
      const w = want.get(key);
      return {
        key,
        recovered: g === undefined ? '(absent)' : JSON.stringify(g),
        allowed: w === undefined ? '(absent)' : JSON.stringify(w),
      };
    }
  }
  return undefined;
}

/** What recovery returned against what the oracle allowed: the nearest allowed S(k) and the first difference. */
export interface Verdict {
  readonly recovered: ReadonlyMap<string, string> | undefined;
  /** The allowed LSN nearest to what was recovered, when the oracle allowed a prefix. */
  readonly nearestLsn: number | undefined;
  readonly nearest: ReadonlyMap<string, string> | undefined;
  readonly difference: ReturnType<typeof firstDifference>;
}

/** Judge one recovery the way the story tells it. */
export function verdictOf(event: RecoveryEvent): Verdict {
  const { allowed, outcome, model } = event;
  const recovered = 'state' in outcome ? new Map(treeEntries(outcome.state.tree)) : undefined;
  if (allowed.mustRefuse || !allowed.prefix)
    return { recovered, nearestLsn: undefined, nearest: undefined, difference: undefined };
  const k =
    'state' in outcome
      ? Math.min(Math.max(outcome.state.lastLsn, allowed.minLsn), allowed.maxLsn)
      : allowed.minLsn;
  const nearest = model.stateAt(k);
  const difference =
    recovered !== undefined && event.violation !== undefined
      ? firstDifference(recovered, nearest)
      : undefined;
  return { recovered, nearestLsn: k, nearest, difference };
}
