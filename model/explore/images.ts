// Crash-image enumeration (ALICE's "every crash state of a workload, from its persistence model"): at
// one crash point, every disk a reboot can find under kill and under power loss, each named by a
// CrashSpec so that `kvlab replay` rebuilds exactly the same image. Built on model/disk.ts and
// model/crash.ts alone. No KVStore v3 counterpart.

import {
  CUTS,
  crashImage,
  cutBytes,
  FATES,
  powerChoices,
  type CrashSpec,
  type FateName,
} from '../crash.js';
import {
  applySyscall,
  powerImage,
  type Disk,
  type PowerChoices,
  type Syscall,
  type WriteFate,
} from '../disk.js';
import { diskInto, Hasher } from './fingerprint.js';

/** Which cuts of a write in flight a kill leaves: every byte count, or CUTS (none, one, half…). */
export type CutSet = 'every' | 'named';

/** One crash image and the spec that rebuilds it. */
export interface CrashImage {
  readonly spec: CrashSpec;
  readonly image: Disk;
  /** The image's fingerprint (a rebooted disk: names and bytes). */
  readonly hash: string;
}

/** What one crash point produced: distinct images, and how many enumerated choices they came from. */
export interface PointImages {
  readonly images: CrashImage[];
  /** Every combination enumerated, identical images included. */
  readonly enumerated: number;
  /** True when the power enumeration stopped at `powerImagesMax` (the bound is then not exhaustive). */
  readonly capped: boolean;
}

const hashOf = (disk: Disk): string => diskInto(new Hasher(), disk).digest();

/** The kill specs at a crash point: every prefix of a write in flight, else the call done or not. */
function killSpecs(inFlight: Syscall | undefined, cuts: CutSet): CrashSpec[] {
  // After the last call nothing is in flight: cut 'all' names the same image, and lets a crash in the
  // recovery that follows cut its own write at any byte (explore.ts).
  if (inFlight === undefined) return [{ model: 'kill', cut: 'all' }];
  if (inFlight.kind !== 'write')
    return [
      { model: 'kill', cut: 'none' },
      { model: 'kill', cut: 'all' },
    ];
  const n = inFlight.data.length;
  const counts =
    cuts === 'every'
      ? Array.from({ length: n + 1 }, (_, i) => i)
      : [...new Set(CUTS.map((c) => cutBytes(c, n)))];
  return counts.map((bytes) => ({
    model: 'kill',
    cut: bytes === 0 ? 'none' : bytes === n ? 'all' : 'half',
    bytes,
  }));
}

/**
 * Answers powerImage's questions from `vector` (0 past its end: keep) and writes each answer into the
 * spec as it goes, so that the image it yields is exactly crashImage(before, inFlight, spec).
 */
class ChoiceRecorder implements PowerChoices {
  readonly arities: number[] = [];
  readonly fates: FateName[] = [];
  readonly kept: boolean[] = [];
  readonly spec: Extract<CrashSpec, { model: 'power' }> = {
    model: 'power',
    writes: 'keep',
    dirOps: 'keep',
    seed: 0,
    fates: this.fates,
    kept: this.kept,
  };
  private readonly choices = powerChoices(this.spec);
  constructor(private readonly vector: readonly number[]) {}
  private next(arity: number): number {
    const at = this.arities.length;
    this.arities.push(arity);
    return this.vector[at] ?? 0;
  }
  writeFate(lengthBytes: number, index: number): WriteFate {
    this.fates.push(FATES[this.next(FATES.length)] ?? 'keep');
    return this.choices.writeFate(lengthBytes, index);
  }
  truncateSurvives(index: number): boolean {
    this.kept.push(this.next(2) === 0);
    return this.choices.truncateSurvives(index);
  }
  dirOpSurvives(index: number): boolean {
    this.kept.push(this.next(2) === 0);
    return this.choices.dirOpSurvives(index);
  }
}

/** The next choice vector after `vector` (an odometer over calls whose number may vary), or undefined. */
function nextVector(vector: readonly number[], arities: readonly number[]): number[] | undefined {
  for (let p = arities.length - 1; p >= 0; p--) {
    const v = vector[p] ?? 0;
    if (v + 1 < (arities[p] ?? 0))
      return [...arities.slice(0, p).map((_, i) => vector[i] ?? 0), v + 1];
  }
  return undefined;
}

/**
 * Every power-loss image: each pending write takes each fate of FATES, each pending truncate and
 * directory op survives or not, in every combination; identical images are kept once.
 */
function powerImages(
  before: Disk,
  inFlight: Syscall | undefined,
  powerImagesMax: number,
  out: Map<string, CrashImage>,
): { enumerated: number; capped: boolean } {
  const started =
    inFlight === undefined || inFlight.kind === 'fsync' || inFlight.kind === 'fsyncDir'
      ? before
      : applySyscall(before, inFlight);
  let enumerated = 0;
  for (let vector: number[] | undefined = []; vector !== undefined; enumerated++) {
    if (enumerated >= powerImagesMax) return { enumerated, capped: true };
    const recorder = new ChoiceRecorder(vector);
    const image = powerImage(started, recorder);
    const hash = hashOf(image);
    if (!out.has(`p${hash}`)) out.set(`p${hash}`, { spec: recorder.spec, image, hash });
    vector = nextVector(vector, recorder.arities);
  }
  return { enumerated, capped: false };
}

/** Every crash image at one crash point, for the crash models asked for. */
export function crashImages(
  before: Disk,
  inFlight: Syscall | undefined,
  models: { readonly kill: boolean; readonly power: boolean },
  cuts: CutSet,
  powerImagesMax: number,
): PointImages {
  const out = new Map<string, CrashImage>();
  let enumerated = 0;
  if (models.kill) {
    for (const spec of killSpecs(inFlight, cuts)) {
      enumerated++;
      const image = crashImage(before, inFlight, spec);
      const hash = hashOf(image);
      if (!out.has(`k${hash}`)) out.set(`k${hash}`, { spec, image, hash });
    }
  }
  let capped = false;
  if (models.power) {
    const power = powerImages(before, inFlight, powerImagesMax, out);
    enumerated += power.enumerated;
    capped = power.capped;
  }
  return { images: [...out.values()], enumerated, capped };
}
