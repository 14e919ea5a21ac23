// The checker's operation vocabulary: the things a user does to a store that a fault can interrupt
// (KvStore v3's kvstore_put, kvstore_del, a batch, a snapshot or compaction, a sync, and
// kvstore_destroy's close), as plain data, with how each runs on a Store and how it reads in a story.

import type { WriteOp } from '../src/engine/logging.js';
import type { Store } from '../src/io/store.js';
import type { CommandData } from './commands/data.js';

/** An operation the checker can crash or fail in the middle of. */
export type Operation =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'del'; readonly key: string }
  | { readonly kind: 'batch'; readonly ops: readonly WriteOp[] }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'compact' }
  | { readonly kind: 'sync' }
  | { readonly kind: 'close' };

/** Every kind of operation, in the order coverage reports them. */
export const OPERATION_KINDS = [
  'put',
  'del',
  'batch',
  'snapshot',
  'compact',
  'sync',
  'close',
] as const satisfies readonly Operation['kind'][];

function describeWrite(o: WriteOp): string {
  return o.op === 'put'
    ? `put ${JSON.stringify(o.key)} ${JSON.stringify(o.value)}`
    : `del ${JSON.stringify(o.key)}`;
}

/** A short description of an operation. */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'put':
    case 'del':
      return describeWrite(op.kind === 'put' ? { op: 'put', ...op } : { op: 'del', ...op });
    case 'batch':
      return `batch [${op.ops.map(describeWrite).join(', ')}]`;
    default:
      return op.kind;
  }
}

/** The writes an operation makes, or undefined for maintenance and close. */
export function writeOps(op: Operation): readonly WriteOp[] | undefined {
  if (op.kind === 'put') return [{ op: 'put', key: op.key, value: op.value }];
  if (op.kind === 'del') return [{ op: 'del', key: op.key }];
  if (op.kind === 'batch') return op.ops;
  return undefined;
}

/**
 * Run an operation on a store. The driver runs writes itself (it issues them to the model first and
 * checks the LSN returned); a write that comes here is simply a batch.
 */
export function runMaintenance(store: Store, op: Operation): void {
  switch (op.kind) {
    case 'snapshot':
      store.snapshot();
      return;
    case 'compact':
      store.compact();
      return;
    case 'sync':
      store.sync();
      return;
    case 'close':
      store.close();
      return;
    default:
      store.batch(writeOps(op) ?? []);
  }
}

/** The command data of an operation run cleanly, for counterexample files (a close reopens). */
export function commandOf(op: Operation): CommandData {
  switch (op.kind) {
    case 'put':
      return { type: 'put', key: op.key, value: op.value };
    case 'del':
      return { type: 'del', key: op.key };
    case 'batch':
      return { type: 'batch', ops: op.ops };
    case 'close':
      return { type: 'reopen' };
    default:
      return { type: op.kind };
  }
}
