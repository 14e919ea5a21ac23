// Counterexample minimization: fast-check shrinks what it generates, but not always to the minimum, and
// the every-step checker does not shrink at all. This drops commands one at a time, greedily, keeping
// every removal after which the counterexample still breaks a guarantee (a simple delta debugging).

import { commandFromData } from '../model/commands/codec.js';
import type { CommandData } from '../model/commands/data.js';
import { SimSystem } from '../model/system.js';
import type { Counterexample } from './counterexample.js';
import { findBug, systemOf } from './zoo/index.js';

/** The violation `commands` produce from an empty store with these settings, or undefined. */
export function violationOf(
  ce: Pick<Counterexample, 'bug' | 'options'>,
  commands: readonly CommandData[],
): string | undefined {
  const bug = ce.bug === null ? undefined : findBug(ce.bug);
  const system = SimSystem.create({
    options: ce.options,
    ...systemOf(bug),
  });
  try {
    for (const data of commands) commandFromData(data).run(system.model, system);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return undefined;
}

/** Passes over the command list before giving up: each pass is at most one replay per command. */
const PASSES_MAX = 8;

/** The counterexample with every command removed that is not needed to break a guarantee. */
export function minimize(ce: Counterexample): Counterexample {
  let commands = [...ce.commands];
  let violation = ce.violation;
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
  return { ...ce, commands, violation };
}
