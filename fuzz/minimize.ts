// Counterexample minimization: fast-check shrinks what it generates, but not always to the minimum, and
// the every-step checker does not shrink at all. This first confirms that the counterexample replays
// (from an empty store, in a fresh system) to a violation, then drops commands one at a time, greedily,
// keeping every removal after which a guarantee is still broken (a simple delta debugging), then puts
// short plain values in place of long or unprintable ones where the same violation still follows (so a
// story reads "put "ka" "v1"", not forty escaped bytes), and finally confirms that what it returns
// replays to exactly the violation it records.

import type { CommandData } from '../model/commands/data.js';
import type { Operation } from '../model/operations.js';
import type { WriteOp } from '../src/engine/logging.js';
import { runCommands } from '../model/property.js';
import { at, errorMessage } from '../src/engine/errors.js';
import type { Counterexample } from './counterexample.js';
import { FATES } from '../model/crash.js';
import { recordTrace } from './visual/trace.js';
import { findBug, systemOf } from './zoo/index.js';

/** The violation `commands` produce from an empty store with these settings, or undefined. */
export function violationOf(
  ce: Pick<Counterexample, 'bug' | 'options'>,
  commands: readonly CommandData[],
): string | undefined {
  const bug = ce.bug === null ? undefined : findBug(ce.bug);
  try {
    runCommands(systemOf(bug), ce.options, commands);
  } catch (e) {
    return errorMessage(e);
  }
  return undefined;
}

/** A counterexample that does not replay to the violation it claims: a defect of the checker. */
export class UnreplayableCounterexample extends Error {
  override readonly name = 'UnreplayableCounterexample';
}

/** Phrases of the oracle and of the system that name a kind of violation (model/oracle.ts, model/system.ts). */
const KINDS = [
  'outside the allowed',
  'but the state is not',
  'recovery failed where it must succeed',
  'where it must refuse',
  'not READY',
  'tree invariant broken',
  'salvage invented',
  'scan shows',
  'returned LSN',
  'not FAILED',
  'FAILED store accepted',
  'does not open',
] as const;

/** A violation's kind: the fault it followed ("after power ...") and the oracle's phrase for it. */
export function violationKind(violation: string): string {
  const fault = /^after (\w+)/.exec(violation)?.[1] ?? '';
  return `${fault}/${KINDS.find((k) => violation.includes(k)) ?? violation}`;
}

/**
 * Whether the broken recovery of `commands` shows a data difference (a key whose recovered value is not
 * the allowed one), and not only a wrong LSN: a story a person can see.
 */
function showsData(ce: Counterexample, commands: readonly CommandData[]): boolean {
  const trace = recordTrace({ ...ce, commands });
  return trace.events.some((e) => e.kind === 'recovered' && e.verdict.difference !== undefined);
}

/** A value a story shows as it is: short and printable. */
const PLAIN = /^[\x20-\x7e]{0,8}$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Halvings tried per command: enough to bring 64 KiB down to a few bytes. */
const HALVINGS_MAX = 16;

/** How one value is made simpler: replaced by a plain one, or (printable) cut to half its length. */
type Simplify = (value: string, name: string) => string;
const toPlain: Simplify = (v, name) => (PLAIN.test(v) ? v : name);
const halve: Simplify = (v) =>
  PLAIN.test(v) || !PRINTABLE.test(v) ? v : v.slice(0, Math.ceil(v.length / 2));

function simplerOps(ops: readonly WriteOp[], name: string, f: Simplify): WriteOp[] {
  return ops.map((o, j) => (o.op === 'put' ? { ...o, value: f(o.value, `${name}.${j}`) } : o));
}

function simplerOp(op: Operation, name: string, f: Simplify): Operation {
  if (op.kind === 'put') return { ...op, value: f(op.value, name) };
  if (op.kind === 'batch') return { ...op, ops: simplerOps(op.ops, name, f) };
  return op;
}

/** The command with its values simplified by `f`, or undefined when nothing changed. */
function simpler(c: CommandData, i: number, f: Simplify): CommandData | undefined {
  const name = `v${i}`;
  let out: CommandData = c;
  if (c.type === 'put') out = { ...c, value: f(c.value, name) };
  if (c.type === 'batch') out = { ...c, ops: simplerOps(c.ops, name, f) };
  if (c.type === 'crash' || c.type === 'io-error' || c.type === 'short-write')
    out = { ...c, op: simplerOp(c.op, name, f) };
  return JSON.stringify(out) === JSON.stringify(c) ? undefined : out;
}

/**
 * Simplify values command by command: a plain value in place of each long or unprintable one, or else
 * long printable values halved while that keeps. Each change is kept only when `keeps` still holds.
 */
function plainValues(
  commands: readonly CommandData[],
  keeps: (commands: readonly CommandData[]) => string | undefined,
): { commands: CommandData[]; violation: string | undefined } {
  let out = [...commands];
  let violation: string | undefined;
  const attempt = (i: number, f: Simplify): boolean => {
    const c = simpler(at(out, i, 'command'), i, f);
    if (c === undefined) return false;
    const tried = [...out.slice(0, i), c, ...out.slice(i + 1)];
    const still = keeps(tried);
    if (still === undefined) return false;
    [out, violation] = [tried, still];
    return true;
  };
  for (let i = 0; i < out.length; i++) {
    if (attempt(i, toPlain)) continue;
    for (let n = 0; n < HALVINGS_MAX && attempt(i, halve); n++);
  }
  return { commands: out, violation };
}

/** Passes over the command list before giving up: each pass is at most one replay per command. */
const PASSES_MAX = 8;

/**
 * The counterexample with every command removed that is not needed to break a guarantee, its
 * violation the one the remaining commands replay to. A removal is kept only when the violation stays
 * of the same kind (never traded for another), and, when the story showed a data difference, only
 * when it still does. Throws UnreplayableCounterexample when the commands found do not replay to a
 * violation at all, or the result does not replay to itself.
 */
export function minimize(ce: Counterexample): Counterexample {
  const first = violationOf(ce, ce.commands);
  if (first === undefined)
    throw new UnreplayableCounterexample(
      `the counterexample found (${ce.violation}) does not replay: a defect of the checker`,
    );
  const kind = violationKind(first);
  const visible = showsData(ce, ce.commands);
  // The violation `tried` replays to, when it is of the same kind (and as visible) as the one found.
  const keeps = (tried: readonly CommandData[]): string | undefined => {
    const still = violationOf(ce, tried);
    const same = still !== undefined && violationKind(still) === kind;
    return same && (!visible || showsData(ce, tried)) ? still : undefined;
  };
  let best = dropCommands([...ce.commands], first, keeps);
  // A power loss whose fates are drawn per pending write ('mixed') ties every earlier command to
  // it: removing one shifts the draws. A uniform fate that breaks the same guarantee frees them.
  const uniform = uniformCrashes(best.commands, keeps);
  if (uniform !== undefined) best = dropCommands(uniform.commands, uniform.violation, keeps);
  const plain = plainValues(best.commands, keeps);
  const commands = plain.commands;
  const violation = plain.violation ?? best.violation;
  if (violationOf(ce, commands) !== violation)
    throw new UnreplayableCounterexample(
      `the minimized counterexample does not replay: ${violation}`,
    );
  return { ...ce, commands, violation };
}

/** What a minimizing pass kept: the commands and the violation they replay to. */
interface Kept {
  readonly commands: CommandData[];
  readonly violation: string;
}

/** Drop commands one at a time, greedily, while `keeps` says the violation is still the same. */
function dropCommands(
  start: CommandData[],
  violation: string,
  keeps: (tried: readonly CommandData[]) => string | undefined,
): Kept {
  let kept: Kept = { commands: start, violation };
  for (let pass = 0; pass < PASSES_MAX; pass++) {
    let removed = false;
    for (let i = kept.commands.length - 1; i >= 0 && kept.commands.length > 1; i--) {
      const shorter = [...kept.commands.slice(0, i), ...kept.commands.slice(i + 1)];
      const still = keeps(shorter);
      if (still !== undefined) {
        kept = { commands: shorter, violation: still };
        removed = true;
      }
    }
    if (!removed) break;
  }
  return kept;
}

/** Every crash of the list with 'mixed' power fates replaced by the first uniform one that keeps. */
function uniformCrashes(
  commands: readonly CommandData[],
  keeps: (tried: readonly CommandData[]) => string | undefined,
): Kept | undefined {
  let kept: Kept | undefined;
  commands.forEach((command, i) => {
    if (command.type !== 'crash' || command.spec.model !== 'power') return;
    const spec = command.spec;
    if (spec.writes !== 'mixed' && spec.dirOps !== 'mixed') return;
    const current = kept?.commands ?? [...commands];
    const candidates = FATES.flatMap((writes) =>
      (['keep', 'drop'] as const).map((dirOps) =>
        current.with(i, { ...command, spec: { ...spec, writes, dirOps } }),
      ),
    );
    for (const tried of candidates) {
      const still = keeps(tried);
      if (still !== undefined) {
        kept = { commands: tried, violation: still };
        return;
      }
    }
  });
  return kept;
}
