// counterexample.json: everything needed to replay a violation, as plain data. The commands are stored
// themselves (not only fast-check's seed and path), so a file stays replayable when the generators change.

import { readFileSync, writeFileSync } from 'node:fs';
import { KvError } from '../src/engine/errors.js';
import { resolveOptions } from '../src/engine/options.js';
import type { EngineOptions } from '../src/engine/state.js';
import type { CommandData } from '../model/commands/data.js';

/** The format tag, bumped on any incompatible change. */
export const COUNTEREXAMPLE_FORMAT = 'kvlab-counterexample/1';

/** A violation and the commands that reproduce it. */
export interface Counterexample {
  readonly format: typeof COUNTEREXAMPLE_FORMAT;
  /** The bug-zoo variant checked, or null for kvlab itself. */
  readonly bug: string | null;
  readonly options: EngineOptions;
  readonly commands: readonly CommandData[];
  /** What the oracle said. */
  readonly violation: string;
  /** How it was found: which checker, its seed (and fast-check's path), after how many runs and ms. */
  readonly found: {
    readonly by: 'model-based' | 'every-step' | 'exhaustive';
    readonly seed: number;
    readonly path?: string;
    readonly runs: number;
    readonly elapsedMs: number;
  };
}

/** Write a counterexample file. */
export function saveCounterexample(file: string, ce: Counterexample): void {
  writeFileSync(file, `${JSON.stringify(ce, null, 2)}\n`);
}

/** Read and check a counterexample file. Throws INVALID_ARGUMENT (or NOT_FOUND) naming the problem. */
export function loadCounterexample(file: string): Counterexample {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new KvError('NOT_FOUND', `no counterexample file at ${file}`, { file });
  }
  let data: Partial<Counterexample>;
  try {
    data = JSON.parse(text) as Partial<Counterexample>;
  } catch (e) {
    throw new KvError('INVALID_ARGUMENT', `${file} is not JSON: ${(e as Error).message}`, { file });
  }
  if (
    data.format !== COUNTEREXAMPLE_FORMAT ||
    !Array.isArray(data.commands) ||
    data.options === undefined
  ) {
    throw new KvError('INVALID_ARGUMENT', `${file} is not a ${COUNTEREXAMPLE_FORMAT} file`, {
      file,
    });
  }
  return { ...(data as Counterexample), options: resolveOptions(data.options) };
}
