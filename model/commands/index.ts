// The command arbitraries: which commands a run draws, with which arguments, all as plain data
// (data.ts). The keys and values (small alphabets for collisions, a wider set of keys so that the
// B+ tree reaches three levels and every rebalancing case runs, long values, any text, our own
// records) are in model/values.ts.

import fc from 'fast-check';
import type { WriteOp } from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';
import { CUTS, FATES, type CrashKind, type CrashSpec, type Cut, type FateName } from '../crash.js';
import type { DamageTarget } from '../damage.js';
import type { Operation } from '../operations.js';
import { keyArb, valueArb, WIDE_KEYS } from '../values.js';
import type { CommandData } from './data.js';

export type { CommandData } from './data.js';

/** Which faults a run may inject. */
export interface FaultSet {
  /** kill: process crashes (any cut); power: power losses (any fate); torn: only crashes that tear a write. */
  readonly crash: CrashKind | 'none';
  /** I/O errors (EIO, ENOSPC) and short writes. */
  readonly ioError: boolean;
  /** Damage to a durable file between runs. */
  readonly damage: boolean;
}

/** Every fault the checker knows. */
export const ALL_FAULTS: FaultSet = { crash: 'all', ioError: true, damage: true };

const writeOpArb: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: keyArb, value: valueArb }),
  fc.record({ op: fc.constant('del' as const), key: keyArb }),
);

/** A bulk batch: many puts (then deletes) over the wide keys, to grow and shrink the tree fast. */
const bulkArb: fc.Arbitrary<readonly WriteOp[]> = fc
  .tuple(fc.subarray([...WIDE_KEYS], { minLength: 6 }), fc.boolean(), valueArb)
  .map(([keys, del, value]) =>
    keys.map((key): WriteOp => (del ? { op: 'del', key } : { op: 'put', key, value })),
  );

/** An operation to crash or fail in the middle of. */
const operationArb: fc.Arbitrary<Operation> = fc.oneof(
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
  { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'close' as const }) },
);

/** A step of an operation: short plans (sync, close: one or two steps) are hit as often as long ones. */
const stepArb = fc.oneof(fc.nat(2), fc.nat(14));

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

/** Where damage aims: anywhere (by offset), or at a chosen record's field, or the log header. */
const targetArb: fc.Arbitrary<DamageTarget | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ part: 'log-header' as const }),
  fc.record({
    part: fc.constantFrom(
      'record-first' as const,
      'record-header' as const,
      'record-payload' as const,
      'record-last' as const,
    ),
    record: fc.nat(64),
  }),
);

const userArbs: fc.Arbitrary<CommandData>[] = [
  fc.record({ type: fc.constant('put' as const), key: keyArb, value: valueArb }),
  fc.record({ type: fc.constant('put' as const), key: keyArb, value: valueArb }),
  fc.record({ type: fc.constant('del' as const), key: keyArb }),
  fc.record({
    type: fc.constant('batch' as const),
    ops: fc.array(writeOpArb, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('batch' as const), ops: bulkArb }),
  fc.record({ type: fc.constant('get' as const), key: keyArb }),
  fc.record(
    {
      type: fc.constant('scan' as const),
      from: keyArb,
      to: keyArb,
      limit: fc.nat(4),
    },
    { requiredKeys: ['type'] },
  ),
  fc.constantFrom(
    { type: 'snapshot' as const },
    { type: 'compact' as const },
    { type: 'sync' as const },
    { type: 'reopen' as const },
  ),
];

function faultArbs(faults: FaultSet): fc.Arbitrary<CommandData>[] {
  const arbs: fc.Arbitrary<CommandData>[] = [];
  if (faults.crash !== 'none') {
    const crash = fc.record(
      {
        type: fc.constant('crash' as const),
        op: operationArb,
        atStep: stepArb,
        spec: crashSpecArb(faults.crash),
        recoveryCrashStep: fc.nat(8),
      },
      { requiredKeys: ['type', 'op', 'atStep', 'spec'] },
    );
    arbs.push(crash, crash, crash);
  }
  if (faults.ioError) {
    arbs.push(
      fc.record({
        type: fc.constant('io-error' as const),
        op: operationArb,
        atStep: stepArb,
        errno: fc.constantFrom('EIO' as const, 'ENOSPC' as const),
        writtenBytes: fc.nat(40),
      }),
      fc.record({
        type: fc.constant('short-write' as const),
        op: operationArb,
        atStep: stepArb,
        writtenBytes: fc.integer({ min: 1, max: 40 }),
      }),
    );
  }
  if (faults.damage) {
    arbs.push(
      fc.record(
        {
          type: fc.constant('damage' as const),
          file: fc.constantFrom(FILES.wal, FILES.snapshot),
          offsetPick: fc.nat(100_000),
          how: fc.oneof(
            fc.record({ xor: fc.integer({ min: 1, max: 255 }) }),
            fc.record({ zeroBytes: fc.integer({ min: 1, max: 24 }) }),
          ),
          target: targetArb,
        },
        { requiredKeys: ['type', 'file', 'offsetPick', 'how'] },
      ),
    );
  }
  return arbs;
}

/** A command, of any kind the fault set allows. */
export function commandArb(faults: FaultSet): fc.Arbitrary<CommandData> {
  return fc.oneof(...userArbs, ...faultArbs(faults));
}
