// The model-based property: a random store configuration and a random list of commands (plain data),
// run against the real shell on a simulated disk, with the model and the oracle judging every step.
// `npm test` runs it with a fixed budget; `kvlab fuzz` runs it for as long as it is told.

import fc from 'fast-check';
import { resolveOptions } from '../src/engine/options.js';
import {
  RECOVERY_MODES,
  type EngineOptions,
  type RecoveryMode,
  type SyncMode,
} from '../src/engine/state.js';
import { commandArb, type FaultSet } from './commands/index.js';
import type { CommandData } from './commands/data.js';
import { runCommand } from './commands/table.js';
import { SimSystem, type Shell, type SystemCounters } from './system.js';

/** Store settings for a run: small thresholds and tree orders, so compactions and deep trees come often. */
export function optionsArb(sync?: SyncMode, recovery?: RecoveryMode): fc.Arbitrary<EngineOptions> {
  return (
    fc
      .record({
        sync: sync === undefined ? fc.constantFrom<SyncMode>('always', 'none') : fc.constant(sync),
        recovery:
          recovery === undefined ? fc.constantFrom(...RECOVERY_MODES) : fc.constant(recovery),
        compactWrites: fc.integer({ min: 2, max: 12 }),
        compactWalBytes: fc.integer({ min: 120, max: 2000 }),
        treeOrder: fc.oneof(fc.constant(3), fc.integer({ min: 3, max: 5 })),
      })
      // Slices of 16 to 255 bytes, so that automatic compactions span several writes; derived rather
      // than drawn, so that adding slices did not change the runs a seed generates.
      .map((o) => resolveOptions({ ...o, compactSliceBytes: 16 + (o.compactWalBytes % 240) }))
  );
}

/** What a property run is about. */
export interface PropertySettings {
  readonly faults: FaultSet;
  /** The engine and shell to check (kvlab's by default). */
  readonly system?: Shell;
  readonly sync?: SyncMode;
  readonly recovery?: RecoveryMode;
  readonly maxCommands?: number;
  /** At least this many commands a run (long histories); 0 by default. */
  readonly minCommands?: number;
  /** Counters that every run adds to (commands run, crash images checked…). */
  readonly counters?: SystemCounters & { runs: number; commands: number };
}

/** Run a list of commands on a new store. Throws the first violation. */
export function runCommands(
  shell: Shell,
  options: EngineOptions,
  commands: readonly CommandData[],
  counters?: SystemCounters,
): void {
  const system = SimSystem.create({ ...shell, options }, counters);
  for (const data of commands) runCommand(system, data);
}

/** The property: for every configuration and command list, no command finds a violation. */
export function modelProperty(
  settings: PropertySettings,
): fc.IPropertyWithHooks<[EngineOptions, CommandData[]]> {
  const counters = settings.counters ?? { crashImages: 0, recoveries: 0, runs: 0, commands: 0 };
  return fc.property(
    optionsArb(settings.sync, settings.recovery),
    fc.array(commandArb(settings.faults), {
      minLength: settings.minCommands ?? 0,
      maxLength: settings.maxCommands ?? 20,
    }),
    (options, commands) => {
      counters.runs++;
      counters.commands += commands.length;
      runCommands(settings.system ?? {}, options, commands, counters);
    },
  );
}
