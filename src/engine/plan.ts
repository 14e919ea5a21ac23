// The plan: the file operations an engine operation asks the shell to perform, in order, as plain data.
// This is the sans-I/O seam (h11, quinn-proto): the engine decides, src/io/ performs, and the checker
// (model/disk.ts) performs the same steps on a simulated disk, crashing between any two of them.

import type { EngineState } from './state.js';

/** The files of a store directory. Fixed names, always resolved inside the store's own directory. */
export const FILES = {
  /** The write-ahead log. */
  wal: 'kvlab.wal',
  /** A log being written by compaction; never trusted, removed by recovery. */
  walTmp: 'kvlab.wal.tmp',
  /** The newest durable snapshot. */
  snapshot: 'kvlab.snap',
  /** A snapshot being written; never trusted, removed by recovery. */
  snapshotTmp: 'kvlab.snap.tmp',
  /** The directory lock (held by the shell, never part of a plan). */
  lock: 'LOCK',
} as const;

/** Create an empty file, replacing any file of that name (O_CREAT | O_TRUNC). */
export interface CreateStep {
  /** The step's kind. */
  readonly kind: 'create';
  /** The file's name inside the store directory. */
  readonly file: string;
}

/** Write `data` at `offsetBytes`, which must be the file's current size. */
export interface AppendStep {
  /** The step's kind. */
  readonly kind: 'append';
  /** The file's name inside the store directory. */
  readonly file: string;
  /** Where the bytes go: the file's size before this step (asserted by the shell). */
  readonly offsetBytes: number;
  /** The bytes. */
  readonly data: Uint8Array;
}

/** Make the file's data durable (fdatasync). */
export interface FsyncStep {
  /** The step's kind. */
  readonly kind: 'fsync';
  /** The file's name inside the store directory. */
  readonly file: string;
}

/** Cut the file to `sizeBytes`. */
export interface TruncateStep {
  /** The step's kind. */
  readonly kind: 'truncate';
  /** The file's name inside the store directory. */
  readonly file: string;
  /** The size after the cut. */
  readonly sizeBytes: number;
}

/** Atomically replace `to` with `from`. */
export interface RenameStep {
  /** The step's kind. */
  readonly kind: 'rename';
  /** The name that goes away. */
  readonly from: string;
  /** The name that then holds `from`'s file. */
  readonly to: string;
}

/** Remove a file. */
export interface UnlinkStep {
  /** The step's kind. */
  readonly kind: 'unlink';
  /** The file's name inside the store directory. */
  readonly file: string;
}

/** Make the directory's entries (creates, renames, unlinks) durable. */
export interface FsyncDirStep {
  /** The step's kind. */
  readonly kind: 'fsyncDir';
}

/** One file operation. Offsets and sizes are in bytes; every path is a name inside the store directory. */
export type Step =
  | CreateStep
  | AppendStep
  | FsyncStep
  | TruncateStep
  | RenameStep
  | UnlinkStep
  | FsyncDirStep;

/** The kinds of step, for tables and coverage counts. */
export type StepKind = Step['kind'];

/** A plan: steps to run in order. The shell adopts the new state only after the last one succeeds. */
export type Plan = readonly Step[];

/** A one-line description of a step, for traces, stories and test names. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'create':
    case 'fsync':
    case 'unlink':
      return `${step.kind} ${step.file}`;
    case 'append':
      return `append ${step.file} @${step.offsetBytes} +${step.data.length}`;
    case 'truncate':
      return `truncate ${step.file} to ${step.sizeBytes}`;
    case 'rename':
      return `rename ${step.from} -> ${step.to}`;
    case 'fsyncDir':
      return 'fsync-dir';
  }
}

/**
 * Replace a file through a temporary name: create tmp, append, fsync tmp, rename over the target, fsync
 * the directory. The fsync before the rename is what keeps a power loss from leaving the new name on
 * empty or partial data; the directory fsync is what keeps the rename from rolling back.
 */
export function planReplaceFile(
  tmp: string,
  target: string,
  chunks: readonly Uint8Array[],
): Step[] {
  const steps: Step[] = [{ kind: 'create', file: tmp }];
  let offsetBytes = 0;
  for (const data of chunks) {
    steps.push({ kind: 'append', file: tmp, offsetBytes, data });
    offsetBytes += data.length;
  }
  steps.push(
    { kind: 'fsync', file: tmp },
    { kind: 'rename', from: tmp, to: target },
    { kind: 'fsyncDir' },
  );
  return steps;
}

/** What every engine operation returns: the state to adopt, the result to report, the plan to run first. */
export interface Transition<R> {
  /** The state to adopt once every step of `plan` has succeeded. */
  readonly state: EngineState;
  /** What the operation reports to its caller. */
  readonly result: R;
  /** The file operations to run first, in order. */
  readonly plan: Plan;
}
