// Commands as plain data: what the model-based test generates, what counterexample.json stores as it
// is, and what `kvlab replay` runs. How each type runs and reads lives in one table (table.ts).

import type { WriteOp } from '../../src/engine/logging.js';
import type { CrashSpec } from '../crash.js';
import type { Operation } from '../operations.js';
import type { DamageHow, DamageTarget } from '../damage.js';

/** One command, as data. */
export type CommandData =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'del'; readonly key: string }
  | { readonly type: 'batch'; readonly ops: readonly WriteOp[] }
  | { readonly type: 'get'; readonly key: string }
  | {
      readonly type: 'scan';
      readonly from?: string | undefined;
      readonly to?: string | undefined;
      readonly limit?: number | undefined;
    }
  | { readonly type: 'snapshot' | 'compact' | 'sync' | 'reopen' }
  | {
      readonly type: 'crash';
      readonly op: Operation;
      readonly atStep: number;
      readonly spec: CrashSpec;
      readonly recoveryCrashStep?: number | undefined;
    }
  | {
      readonly type: 'io-error';
      readonly op: Operation;
      readonly atStep: number;
      readonly errno: 'EIO' | 'ENOSPC';
      readonly writtenBytes: number;
    }
  | {
      readonly type: 'short-write';
      readonly op: Operation;
      readonly atStep: number;
      readonly writtenBytes: number;
    }
  | {
      readonly type: 'damage';
      readonly file: string;
      readonly offsetPick: number;
      readonly how: DamageHow;
      readonly target?: DamageTarget | undefined;
    };

/** The command types, one per row of the table. */
export type CommandType = CommandData['type'];
