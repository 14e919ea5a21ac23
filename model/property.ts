// The model-based property: a random store configuration, a random list of commands, run against the
// Store on a simulated disk, with the model and the oracle judging every step. `npm test` runs it with a
// fixed budget; `kvlab fuzz` runs it for as long as it is told.

import fc from 'fast-check';
import { resolveOptions } from '../src/engine/options.js';
import {
  RECOVERY_MODES,
  type EngineOptions,
  type RecoveryMode,
  type SyncMode,
} from '../src/engine/state.js';
import { commandArbitraries, type FaultSet } from './commands/index.js';
import type { KvModel } from './model.js';
import { SimSystem, type SystemConfig, type SystemCounters } from './system.js';

/** Store settings for a run: small thresholds, so that compactions and deep trees come often. */
export function optionsArb(sync?: SyncMode, recovery?: RecoveryMode): fc.Arbitrary<EngineOptions> {
  return (
    fc
      .record({
        sync: sync === undefined ? fc.constantFrom<SyncMode>('always', 'none') : fc.constant(sync),
        recovery:
          recovery === undefined ? fc.constantFrom(...RECOVERY_MODES) : fc.constant(recovery),
        compactWrites: fc.integer({ min: 2, max: 8 }),
        compactWalBytes: fc.integer({ min: 120, max: 1000 }),
        treeOrder: fc.integer({ min: 3, max: 5 }),
      })
      // Slices of 16 to 255 bytes, so that automatic compactions span several writes; derived rather
      // than drawn, so that the runs a seed generates stay the ones it generated before slices existed.
      .map((o) => resolveOptions({ ...o, compactSliceBytes: 16 + (o.compactWalBytes % 240) }))
  );
}

/** What a property run is about. */
export interface PropertySettings {
  readonly faults: FaultSet;
  /** The engine and shell to check (kvlab's by default). */
  readonly system?: Omit<SystemConfig, 'options'>;
  readonly sync?: SyncMode;
  readonly recovery?: RecoveryMode;
  readonly maxCommands?: number;
  /** Counters that every run adds to (commands run, crash images checked…). */
  readonly counters?: SystemCounters & { runs: number; commands: number };
}

/** The property: for every configuration and command list, no command finds a violation. */
export function modelProperty(
  settings: PropertySettings,
): fc.IProperty<[EngineOptions, Iterable<fc.Command<KvModel, SimSystem>>]> {
  const counters = settings.counters ?? { crashImages: 0, recoveries: 0, runs: 0, commands: 0 };
  return fc.property(
    optionsArb(settings.sync, settings.recovery),
    fc.commands(commandArbitraries(settings.faults), { maxCommands: settings.maxCommands ?? 20 }),
    (options, commands) => {
      counters.runs++;
      const system = SimSystem.create({ ...settings.system, options }, counters);
      fc.modelRun(() => ({ model: system.model, real: system }), commands);
      counters.commands += [...commands].length;
    },
  );
}
