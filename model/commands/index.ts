// The command arbitraries: which commands a run draws, with which arguments. The keys and values
// (small alphabets for collisions, long values, any text, our own records) are in model/values.ts.

import fc from 'fast-check';
import type { WriteOp } from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';
import { CUTS, FATES, type CrashSpec, type Cut, type FateName } from '../crash.js';
import type { KvModel } from '../model.js';
import { keyArb, valueArb } from '../values.js';
import type { CommandData } from './data.js';
import type { Operation, SimSystem } from '../system.js';
import { BatchCommand } from './batch.js';
import { CompactCommand } from './compact.js';
import { CrashCommand } from './crash.js';
import { DamageCommand } from './damage.js';
import { DelCommand } from './del.js';
import { GetCommand } from './get.js';
import { IoErrorCommand } from './io-error.js';
import { PutCommand } from './put.js';
import { ReopenCommand } from './reopen.js';
import { ScanCommand } from './scan.js';
import { SnapshotCommand } from './snapshot.js';
import { SyncCommand } from './sync.js';

/** One command of the model-based test: a fast-check command that can also say itself as data. */
export type KvCommand = fc.Command<KvModel, SimSystem> & { toJSON(): CommandData };

/** Which faults a run may inject. */
export interface FaultSet {
  /** kill: process crashes (any cut); power: power losses (any fate); torn: only crashes that tear a write. */
  readonly crash: CrashKind | 'none';
  readonly ioError: boolean;
  readonly damage: boolean;
}

export const ALL_FAULTS: FaultSet = { crash: 'all', ioError: true, damage: true };

/** The keys and values runs draw: model/values.ts. */
export { keyArb, valueArb } from '../values.js';

const writeOpArb: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: keyArb, value: valueArb }),
  fc.record({ op: fc.constant('del' as const), key: keyArb }),
);

/** An operation to crash or fail in the middle of. */
export const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('del' as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      ops: fc.array(writeOpArb, { minLength: 2, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sync' as const }) },
);

/** Which crashes a run injects. */
export type CrashKind = 'kill' | 'power' | 'torn' | 'all';

/** How a crash turns out, under the chosen crash kind. */
export function crashSpecArb(crash: CrashKind): fc.Arbitrary<CrashSpec> {
  const kill = (cuts: readonly Cut[]) =>
    fc.record({ model: fc.constant('kill' as const), cut: fc.constantFrom(...cuts) });
  const power = (fates: readonly FateName[]) =>
    fc.record({
      model: fc.constant('power' as const),
      writes: fc.constantFrom<FateName | 'mixed'>(...fates, 'mixed'),
      dirOps: fc.constantFrom('keep' as const, 'drop' as const, 'mixed' as const),
      seed: fc.nat(),
    });
  if (crash === 'kill') return kill(CUTS);
  if (crash === 'power') return power(FATES);
  const tearing = fc.oneof(
    kill(['one', 'half', 'all-but-one']),
    power(['one', 'half', 'all-but-one', 'zeros', 'garbage']),
  );
  return crash === 'torn' ? tearing : fc.oneof(kill(CUTS), power(FATES));
}

/** Every command arbitrary for a fault set. */
export function commandArbitraries(faults: FaultSet): fc.Arbitrary<KvCommand>[] {
  const arbs: fc.Arbitrary<KvCommand>[] = [
    fc.tuple(keyArb, valueArb).map(([k, v]) => new PutCommand(k, v)),
    fc.tuple(keyArb, valueArb).map(([k, v]) => new PutCommand(k, v)),
    keyArb.map((k) => new DelCommand(k)),
    fc.array(writeOpArb, { minLength: 1, maxLength: 4 }).map((ops) => new BatchCommand(ops)),
    keyArb.map((k) => new GetCommand(k)),
    fc
      .tuple(
        fc.option(keyArb, { nil: undefined }),
        fc.option(keyArb, { nil: undefined }),
        fc.option(fc.nat(4), { nil: undefined }),
      )
      .map(([f, t, l]) => new ScanCommand(f, t, l)),
    fc.constant(new SnapshotCommand()),
    fc.constant(new CompactCommand()),
    fc.constant(new SyncCommand()),
    fc.constant(new ReopenCommand()),
  ];
  if (faults.crash !== 'none') {
    const crash = fc
      .tuple(
        operationArb,
        fc.nat(14),
        crashSpecArb(faults.crash),
        fc.option(fc.nat(8), { nil: undefined, freq: 3 }),
      )
      .map(([op, step, spec, again]) => new CrashCommand(op, step, spec, again));
    arbs.push(crash, crash, crash);
  }
  if (faults.ioError) {
    arbs.push(
      fc
        .tuple(
          operationArb,
          fc.nat(12),
          fc.constantFrom('EIO' as const, 'ENOSPC' as const),
          fc.nat(40),
        )
        .map(([op, step, errno, written]) => new IoErrorCommand(op, step, errno, written)),
    );
  }
  if (faults.damage) {
    arbs.push(
      fc
        .tuple(
          fc.constantFrom(FILES.wal, FILES.snapshot),
          fc.nat(100_000),
          fc.oneof(
            fc.record({ xor: fc.integer({ min: 1, max: 255 }) }),
            fc.record({ zeroBytes: fc.integer({ min: 1, max: 24 }) }),
          ),
        )
        .map(([file, pick, how]) => new DamageCommand(file, pick, how)),
    );
  }
  return arbs;
}
