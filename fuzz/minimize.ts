// Counterexample minimization: fast-check shrinks what it generates, but not always to the minimum, and
// the every-step checker does not shrink at all. This first confirms that the counterexample replays
// (from an empty store, in a fresh system) to a violation, then drops commands one at a time, greedily,
// keeping every removal after which a guarantee is still broken (a simple delta debugging), and finally
// confirms that what it returns replays to exactly the violation it records.

import type { CommandData } from '../model/commands/data.js';
import { runCommands } from '../model/property.js';
import { errorMessage } from '../src/engine/errors.js';
import type { Counterexample } from './counterexample.js';
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

/** Passes over the command list before giving up: each pass is at most one replay per command. */
const PASSES_MAX = 8;

/**
 * The counterexample with every command removed that is not needed to break a guarantee, its
 * violation the one the remaining commands replay to. Throws UnreplayableCounterexample when the
 * commands found do not replay to a violation at all, or the result does not replay to itself.
 */
export function minimize(ce: Counterexample): Counterexample {
  const first = violationOf(ce, ce.commands);
  if (first === undefined)
    throw new UnreplayableCounterexample(
      `the counterexample found (${ce.violation}) does not replay: a defect of the checker`,
    );
  let commands = [...ce.commands];
  let violation = first;
  for (let pass = 0; pass < PASSES_MAX; pass++) {
    let removed = false;
    for (let i = commands.length - 1; i >= 0 && commands.length > 1; i--) {
      const shorter = [...commands.slice(0, i), ...commands.slice(i + 1)];
      const still = violationOf(ce, shorter);
      if (still !== undefined) {
        commands = shorter;
        violation = still;
        removed = true;
      }
    }
    if (!removed) break;
  }
  if (violationOf(ce, commands) !== violation)
    throw new UnreplayableCounterexample(
      `the minimized counterexample does not replay: ${violation}`,
    );
  return { ...ce, commands, violation };
}
