// Commands from data, for `kvlab replay` (fuzz/story.ts): each piece of data, with how it runs and
// how it reads, from the one table (table.ts).

import type { SimSystem } from '../system.js';
import type { CommandData } from './data.js';
import { describeCommand, runCommand } from './table.js';

/** A command ready to run: its data, bound to the table's run and describe. */
export interface BoundCommand {
  readonly data: CommandData;
  /** Run on `system` (the model argument is the system's own; kept for the replay's call shape). */
  run(model: unknown, system: SimSystem): void;
  toString(): string;
}

/** The command a piece of data stands for. Throws INVALID_ARGUMENT on data of no known type. */
export function commandFromData(data: CommandData): BoundCommand {
  const text = describeCommand(data);
  return { data, run: (_model, system) => runCommand(system, data), toString: () => text };
}
