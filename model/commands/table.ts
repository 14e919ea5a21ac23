// The one table from a command's type to how it runs on a SimSystem and how it reads in a story. A
// command is plain data (data.ts); nothing else dispatches on its type.

import { compareKeys } from '../../src/engine/bytes.js';
import { KvError } from '../../src/engine/errors.js';
import { describeCrash } from '../crash.js';
import { Violation } from '../judge.js';
import { describeOperation } from '../operations.js';
import type { SimSystem } from '../system.js';
import type { CommandData, CommandType } from './data.js';

type Of<T extends CommandType> = Extract<CommandData, { type: T }>;

/** How one command type runs, and how it reads. */
interface Row<T extends CommandType> {
  run(system: SimSystem, data: Of<T>): void;
  describe(data: Of<T>): string;
}

function checkGet(system: SimSystem, key: string): void {
  const want = system.model.current().get(key);
  const got = system.current.get(key);
  if (got !== want)
    throw new Violation(
      `get ${JSON.stringify(key)} gave ${JSON.stringify(got)}, the model holds ${JSON.stringify(want)}`,
    );
}

function checkScan(system: SimSystem, data: Of<'scan'>): void {
  const { from, to, limit } = data;
  const want = [...system.model.current()]
    .filter(
      ([k]) =>
        (from === undefined || compareKeys(k, from) >= 0) &&
        (to === undefined || compareKeys(k, to) < 0),
    )
    .sort((a, b) => compareKeys(a[0], b[0]))
    .slice(0, limit ?? Number.POSITIVE_INFINITY);
  const got = system.current.scan({ from, to, limit }).map((e) => [e.key, e.value]);
  if (JSON.stringify(got) !== JSON.stringify(want))
    throw new Violation(
      `${TABLE.scan.describe(data)} gave ${JSON.stringify(got)}, the model holds ${JSON.stringify(want)}`,
    );
}

function describeDamage(d: Of<'damage'>): string {
  const how = 'xor' in d.how ? `xor 0x${d.how.xor.toString(16)}` : `zero ${d.how.zeroBytes} bytes`;
  const t = d.target;
  const where =
    t === undefined ? `pick ${d.offsetPick}` : 'record' in t ? `${t.part} ${t.record}` : t.part;
  return `damage ${d.file} at ${where}: ${how}`;
}

const TABLE: { readonly [T in CommandType]: Row<T> } = {
  put: {
    run: (s, d) => s.apply({ kind: 'put', key: d.key, value: d.value }),
    describe: (d) => describeOperation({ kind: 'put', key: d.key, value: d.value }),
  },
  del: {
    run: (s, d) => s.apply({ kind: 'del', key: d.key }),
    describe: (d) => describeOperation({ kind: 'del', key: d.key }),
  },
  batch: {
    run: (s, d) => s.apply({ kind: 'batch', ops: d.ops }),
    describe: (d) => describeOperation({ kind: 'batch', ops: d.ops }),
  },
  get: { run: (s, d) => checkGet(s, d.key), describe: (d) => `get ${JSON.stringify(d.key)}` },
  scan: {
    run: checkScan,
    describe: (d) =>
      `scan from=${JSON.stringify(d.from)} to=${JSON.stringify(d.to)} limit=${String(d.limit)}`,
  },
  snapshot: { run: (s) => s.apply({ kind: 'snapshot' }), describe: () => 'snapshot' },
  compact: { run: (s) => s.apply({ kind: 'compact' }), describe: () => 'compact' },
  sync: { run: (s) => s.apply({ kind: 'sync' }), describe: () => 'sync' },
  reopen: { run: (s) => s.reopen(), describe: () => 'reopen' },
  crash: {
    run: (s, d) => void s.crash(d.op, d.atStep, d.spec, d.recoveryCrashStep),
    describe: (d) =>
      `crash ${describeOperation(d.op)} at step ${d.atStep}: ${describeCrash(d.spec)}${d.recoveryCrashStep === undefined ? '' : `, then at step ${d.recoveryCrashStep} of recovery`}`,
  },
  'io-error': {
    run: (s, d) => s.ioError(d.op, d.atStep, d.errno, d.writtenBytes),
    describe: (d) =>
      `${d.errno} at step ${d.atStep} of ${describeOperation(d.op)} (${d.writtenBytes} bytes written)`,
  },
  'short-write': {
    run: (s, d) => s.shortWrite(d.op, d.atStep, d.writtenBytes),
    describe: (d) =>
      `a short write (${d.writtenBytes} bytes taken) from step ${d.atStep} of ${describeOperation(d.op)}`,
  },
  damage: {
    run: (s, d) => s.damage(d.file, d.offsetPick, d.how, d.target),
    describe: describeDamage,
  },
};

function rowOf<T extends CommandType>(data: Of<T>): Row<T> {
  const row: Row<T> | undefined = TABLE[data.type];
  if (row === undefined)
    throw new KvError('INVALID_ARGUMENT', `unknown command type ${JSON.stringify(data.type)}`);
  return row;
}

/** Run one command on a system. Throws a Violation (or any error escaping the store). */
export function runCommand(system: SimSystem, data: CommandData): void {
  rowOf(data).run(system, data);
}

/** One command, in words, for stories and test output. */
export function describeCommand(data: CommandData): string {
  return rowOf(data).describe(data);
}
