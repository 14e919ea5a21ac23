// checkEngine: the checker run on an engine you wrote yourself (spec/lessons/), published through the
// one public checker module, `kvlab/checker` (fuzz/api.ts). An engine is the Engine interface of
// src/engine/engine.ts: pure functions from (state, input) to (state, result, plan of file steps).
// checkEngine() runs it as the store's engine under kvlab's real shell on the simulated kernel, crashes
// it at any syscall, and judges every recovery by the oracle (spec/guarantees.md), exactly as kvlab's
// own engine is checked; on a violation it hands back the story, as text, SVG and an HTML page.

import fc from 'fast-check';
import type { FaultSet } from '../model/commands/index.js';
import { modelProperty } from '../model/property.js';
import type { SyncMode } from '../src/engine/state.js';
import type { Engine } from '../src/engine/engine.js';
import { COUNTEREXAMPLE_FORMAT, type Counterexample } from './counterexample.js';
import { tell } from './story.js';
import { storyHtml } from './visual/html.js';
import { storySvg } from './visual/page.js';
import { recordTrace, type OwnEngine } from './visual/trace.js';

/** How to check an engine. Every field is optional. */
export interface CheckOptions {
  /** The name stories give the engine (default "your engine"). */
  readonly name?: string;
  /** The fast-check seed: the same seed finds the same counterexample (default 1). */
  readonly seed?: number;
  /** Random command lists to try (default 300). */
  readonly runs?: number;
  /** The faults to inject (default: every kind of crash, no I/O errors, no damage). */
  readonly faults?: FaultSet;
  /** The sync setting the engine is promised under (default "always": acknowledged means durable). */
  readonly sync?: SyncMode;
}

/** What the checker found. */
export interface CheckResult {
  /** True when every run kept every guarantee. */
  readonly ok: boolean;
  /** Runs fast-check made (all of them when ok; up to the first failure and its shrinking when not). */
  readonly runs: number;
  /** The shortest failing command list fast-check shrank to, with what the oracle said. */
  readonly counterexample?: Counterexample;
  /** The violation's story, line by line (as `kvlab replay` tells it). */
  readonly story?: readonly string[];
  /** The story as a static SVG picture (it reads without JS, as on GitHub). */
  readonly svg?: string;
  /** The story as a self-contained HTML page (`kvlab replay --html` draws the same). */
  readonly html?: string;
}

/** Check `engine` against spec/guarantees.md under crashes, as kvlab's own engine is checked. */
export function checkEngine(engine: Engine, options: CheckOptions = {}): CheckResult {
  const own: OwnEngine = { name: options.name ?? 'your engine', system: { engine } };
  const seed = options.seed ?? 1;
  const runs = options.runs ?? 300;
  const property = modelProperty({
    faults: options.faults ?? { crash: 'all', ioError: false, damage: false },
    system: own.system,
    sync: options.sync ?? 'always',
    recovery: 'tolerate-tail',
    maxCommands: 12,
  });
  const details = fc.check(property, { seed, numRuns: runs });
  if (!details.failed || details.counterexample === null)
    return { ok: true, runs: details.numRuns };
  const [engineOptions, commands] = details.counterexample;
  const ce: Counterexample = {
    format: COUNTEREXAMPLE_FORMAT,
    bug: null,
    options: engineOptions,
    commands,
    violation:
      details.errorInstance instanceof Error
        ? details.errorInstance.message
        : String(details.errorInstance),
    found: {
      by: 'model-based',
      seed,
      ...(details.counterexamplePath === null ? {} : { path: details.counterexamplePath }),
      runs: details.numRuns,
      elapsedMs: 0,
    },
  };
  const trace = recordTrace(ce, own);
  return {
    ok: false,
    runs: details.numRuns,
    counterexample: ce,
    story: tell(trace),
    svg: storySvg(trace),
    html: storyHtml(trace),
  };
}
