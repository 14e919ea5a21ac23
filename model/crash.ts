// Crash images: from the disk at the moment of a crash (SimCrash) to the disk a reboot finds, under the
// kill or the power model of model/disk.ts. Each way a crash can turn out is a CrashSpec, plain data,
// so that a counterexample can name it and replay it.

import { at } from '../src/engine/errors.js';
import {
  applySyscall,
  killImage,
  powerImage,
  type Disk,
  type PowerChoices,
  type Syscall,
  type WriteFate,
} from './disk.js';
import { mulberry32 } from './random.js';

/**
 * Which crashes a run injects: kill (the process dies), power (the machine loses power), torn (only
 * crashes that tear a write), or all of them. The one definition; the CLI, the campaign and the
 * every-step checker take it from here.
 */
export type CrashKind = 'kill' | 'power' | 'torn' | 'all';

/** Where an append in flight is cut: the cuts the checker tries. */
export const CUTS = ['none', 'one', 'half', 'all-but-one', 'all'] as const;
/** One of CUTS. */
export type Cut = (typeof CUTS)[number];

/** How a write fares under power loss, as data: a Cut, zeros, garbage, or dropped. */
export const FATES = ['keep', 'drop', 'one', 'half', 'all-but-one', 'zeros', 'garbage'] as const;
/** One of FATES. */
export type FateName = (typeof FATES)[number];

/** One way a crash turns out. */
export type CrashSpec =
  | {
      readonly model: 'kill';
      readonly cut: Cut;
      /** The exact bytes of an append in flight that land (overrides `cut`): the explorer names every cut. */
      readonly bytes?: number;
    }
  | {
      readonly model: 'power';
      /** The fate of every pending write, or 'mixed': each drawn from `seed`. */
      readonly writes: FateName | 'mixed';
      /** Whether pending directory ops survive: all, none, or each drawn from `seed`. */
      readonly dirOps: 'keep' | 'drop' | 'mixed';
      readonly seed: number;
      /** The fate of the i-th pending write asked about (overrides `writes`; 'keep' past the end). */
      readonly fates?: readonly FateName[];
      /** Whether the i-th pending truncate or directory op asked about survives (overrides `dirOps`). */
      readonly kept?: readonly boolean[];
    };

/** Bytes kept by a cut of a write of `lengthBytes`. */
export function cutBytes(cut: Cut, lengthBytes: number): number {
  switch (cut) {
    case 'none':
      return 0;
    case 'one':
      return Math.min(1, lengthBytes);
    case 'half':
      return lengthBytes >>> 1;
    case 'all-but-one':
      return Math.max(0, lengthBytes - 1);
    case 'all':
      return lengthBytes;
  }
}

function fate(name: FateName, lengthBytes: number, seed: number): WriteFate {
  switch (name) {
    case 'keep':
      return { kind: 'keep' };
    case 'drop':
      return { kind: 'drop' };
    case 'zeros':
      return { kind: 'zeros' };
    case 'garbage':
      return { kind: 'garbage', seed };
    default:
      return { kind: 'cut', bytes: cutBytes(name, lengthBytes) };
  }
}

/** The PowerChoices a power CrashSpec stands for. */
export function powerChoices(spec: Extract<CrashSpec, { model: 'power' }>): PowerChoices {
  const { fates, kept } = spec;
  if (fates !== undefined || kept !== undefined) {
    // Explicit choices, in the order powerImage asks: the explorer's enumeration, replayable as data.
    let writes = 0;
    let others = 0;
    const survives = (): boolean => kept?.[others++] ?? true;
    return {
      writeFate: (lengthBytes) =>
        fate(fates?.[writes++] ?? 'keep', lengthBytes, spec.seed + writes),
      truncateSurvives: survives,
      dirOpSurvives: survives,
    };
  }
  const next = mulberry32(spec.seed);
  return {
    writeFate: (lengthBytes, index) =>
      fate(
        spec.writes === 'mixed'
          ? at(FATES, Math.floor(next() * FATES.length), 'fate')
          : spec.writes,
        lengthBytes,
        spec.seed + index,
      ),
    truncateSurvives: () => (spec.dirOps === 'mixed' ? next() < 0.5 : spec.dirOps === 'keep'),
    dirOpSurvives: () => (spec.dirOps === 'mixed' ? next() < 0.5 : spec.dirOps === 'keep'),
  };
}

/**
 * The disk a reboot finds after a crash with `inFlight` being carried out on `before`. Under kill, a
 * write in flight leaves a prefix and any other call happened (cut "all") or not; what was unsynced
 * stays unsynced. Under power, the call in flight becomes one more pending op for the fates to
 * decide; an fsync in flight did not complete.
 */
export function crashImage(before: Disk, inFlight: Syscall | undefined, spec: CrashSpec): Disk {
  if (spec.model === 'kill') {
    if (inFlight === undefined || spec.cut === 'none') return killImage(before);
    if (inFlight.kind !== 'write')
      return killImage(spec.cut === 'all' ? applySyscall(before, inFlight) : before);
    const kept = spec.bytes ?? cutBytes(spec.cut, inFlight.data.length);
    const data = inFlight.data.subarray(0, Math.min(kept, inFlight.data.length));
    return killImage(
      data.length === 0
        ? before
        : applySyscall(before, {
            kind: 'write',
            inode: inFlight.inode,
            offsetBytes: inFlight.offsetBytes,
            data,
          }),
    );
  }
  const started =
    inFlight === undefined || inFlight.kind === 'fsync' || inFlight.kind === 'fsyncDir'
      ? before
      : applySyscall(before, inFlight);
  return powerImage(started, powerChoices(spec));
}

/** A one-line description of a CrashSpec. */
export function describeCrash(spec: CrashSpec): string {
  if (spec.model === 'kill')
    return `kill (in-flight cut: ${spec.bytes === undefined ? spec.cut : `${spec.bytes} bytes`})`;
  if (spec.fates !== undefined || spec.kept !== undefined) {
    const kept = (spec.kept ?? []).map((k) => (k ? 'keep' : 'drop')).join(', ');
    return `power (writes: [${(spec.fates ?? []).join(', ')}], truncates and dir ops: [${kept}], seed ${spec.seed})`;
  }
  return `power (writes: ${spec.writes}, dir ops: ${spec.dirOps}, seed ${spec.seed})`;
}
