// Commands as plain data: what counterexample.json stores, and how a list of commands is rebuilt from
// it for `kvlab replay`. Every command class has a toJSON() that produces one of these.

import type { WriteOp } from '../../src/engine/logging.js';
import type { CrashSpec } from '../crash.js';
import type { Operation } from '../system.js';

/** One command, as data. */
export type CommandData =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'del'; readonly key: string }
  | { readonly type: 'batch'; readonly ops: readonly WriteOp[] }
  | { readonly type: 'get'; readonly key: string }
  | {
      readonly type: 'scan';
      readonly from: string | undefined;
      readonly to: string | undefined;
      readonly limit: number | undefined;
    }
  | { readonly type: 'snapshot' | 'compact' | 'sync' | 'reopen' }
  | {
      readonly type: 'crash';
      readonly op: Operation;
      readonly atStep: number;
      readonly spec: CrashSpec;
      readonly recoveryCrashStep: number | undefined;
    }
  | {
      readonly type: 'io-error';
      readonly op: Operation;
      readonly atStep: number;
      readonly errno: 'EIO' | 'ENOSPC';
      readonly writtenBytes: number;
    }
  | {
      readonly type: 'damage';
      readonly file: string;
      readonly offsetPick: number;
      readonly how: { readonly xor: number } | { readonly zeroBytes: number };
    };
