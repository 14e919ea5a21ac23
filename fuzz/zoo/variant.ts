// What a bug-zoo variant is: kvlab with one classic crash-consistency mistake put back, described well
// enough to teach it (spec/bugs/NAME.md is generated from these fields plus what the checker found).

import type { Engine } from '../../src/engine/engine.js';
import type { Plan, Step, Transition } from '../../src/engine/plan.js';
import type { RecoveryMode, SyncMode } from '../../src/engine/state.js';
import type { StoreIo } from '../../src/io/store.js';
import type { FaultSet } from '../../model/commands/index.js';
import type { SystemConfig } from '../../model/system.js';

/** One variant of the bug zoo. */
export interface BugVariant {
  /** The name `kvlab fuzz --bug NAME` takes. */
  readonly name: string;
  /** One line for `kvlab bugs`. */
  readonly summary: string;
  /** Where the mistake comes from: a seed function, or an ALICE vulnerability category. */
  readonly origin: string;
  /** The mistake, in a paragraph. */
  readonly mistake: string;
  /** The fault that exposes it, and why. */
  readonly exposedBy: string;
  /** What kvlab does instead. */
  readonly fix: string;
  /** The faults the checker injects to find it (the narrowest that do). */
  readonly faults: FaultSet;
  /** Settings under which the mistake matters (defaults: sync always, tolerate-tail). */
  readonly sync?: SyncMode;
  readonly recovery?: RecoveryMode;
  /** The engine with the mistake. */
  readonly engine?: Engine;
  /** Or the shell with the mistake. */
  readonly wrapIo?: (io: StoreIo) => StoreIo;
}

function editing<A extends unknown[], R>(
  f: (...args: A) => Transition<R>,
  edit: (plan: Plan) => Plan,
): (...args: A) => Transition<R> {
  return (...args) => {
    const t = f(...args);
    return { ...t, plan: edit(t.plan) };
  };
}

/** An engine whose every plan passes through `edit`: for mistakes that drop or move steps. */
export function editPlans(base: Engine, edit: (plan: Plan) => Plan): Engine {
  return {
    ...base,
    recover: editing(base.recover, edit),
    write: editing(base.write, edit),
    snapshot: editing(base.snapshot, edit),
    compact: editing(base.compact, edit),
    sync: editing(base.sync, edit),
    compactStep: editing(base.compactStep, edit),
  };
}

/** A plan without the steps `drop` matches. */
export function without(drop: (step: Step) => boolean): (plan: Plan) => Plan {
  return (plan) => plan.filter((s) => !drop(s));
}

/** The engine and shell a simulated store runs with: the variant's, or kvlab's when there is none. */
export function systemOf(bug: BugVariant | undefined): Omit<SystemConfig, 'options'> {
  return {
    ...(bug?.engine === undefined ? {} : { engine: bug.engine }),
    ...(bug?.wrapIo === undefined ? {} : { wrapIo: bug.wrapIo }),
  };
}
