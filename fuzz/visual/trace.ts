// The trace of a replayed counterexample: every command, every syscall that changed the disk (those of
// the open and of recovery included), each grouped under the plan step that issued it, each crash and
// each recovery, in time order, with the disk after each call. The text story (fuzz/story.ts) and the
// pictures (fuzz/visual/) are both drawn from it. It stands for the strace a student of KVStore v3 would
// take of its fwrite/fsync/rename calls. It watches through the checker's seams only: the
// adapter (the kernel's watcher), the runner (which plan step runs), the StoreIo (each open), and the
// system's observer (crashes and recoveries).

import { errorMessage } from '../../src/engine/errors.js';
import type { Step } from '../../src/engine/plan.js';
import { PlanRunner } from '../../src/io/runner.js';
import type { StepRunner, StoreIo } from '../../src/io/store.js';
import { commandFromData } from '../../model/commands/codec.js';
import type { Disk } from '../../model/disk.js';
import { realAdapter, type Adapter, type SimKernel } from '../../model/kernel.js';
import {
  SimSystem,
  type CrashEvent,
  type RecoveryEvent,
  type Shell,
  type SystemConfig,
} from '../../model/system.js';
import type { Counterexample } from '../counterexample.js';
import { findBug, systemOf, type BugVariant } from '../zoo/index.js';
import { verdictOf, type Verdict } from './verdict.js';

/** Which part of a command a step belongs to: the very first open, the operation, or a recovery. */
export type StepPhase = 'open' | 'operation' | 'recovery';

/** The LSNs the model knew at a moment. */
export interface LsnMarks {
  /** Newest LSN issued (acknowledged or still pending). */
  readonly issued: number;
  /** Newest acknowledged LSN. */
  readonly acked: number;
  /** Newest LSN the model counts as durable. */
  readonly durable: number;
}

/** One thing that happened, in time order. `command` is the 0-based command index, -1 for the first open. */
export type TraceEvent =
  | { readonly kind: 'command'; readonly command: number; readonly text: string }
  /** The store is opened: recovery reads the directory, this disk (its steps follow). */
  | { readonly kind: 'open'; readonly command: number; readonly disk: Disk | undefined }
  /** One syscall that changed the disk (or failed), as the step it carries out. */
  | {
      readonly kind: 'step';
      readonly command: number;
      readonly phase: StepPhase;
      readonly step: Step;
      /** The plan step that issued it, numbered from 0 in its operation or open. */
      readonly plan: PlanMark | undefined;
      /** The disk once the call ran (the page cache view and the durable view). */
      readonly disk: Disk;
      /** The error the step failed with (an injected EIO or ENOSPC), if it failed. */
      readonly failed?: string;
    }
  | {
      readonly kind: 'crash';
      readonly command: number;
      readonly event: CrashEvent;
      /** Steps of this command that had completed when the process died. */
      readonly stepsBefore: number;
      readonly lsns: LsnMarks;
    }
  | {
      readonly kind: 'recovered';
      readonly command: number;
      readonly event: RecoveryEvent;
      /** Judged when recovery returned: the model moves on right after. */
      readonly verdict: Verdict;
      readonly lsns: LsnMarks;
    }
  | {
      readonly kind: 'end';
      readonly command: number;
      /** The violation this command raised, if any. */
      readonly violation: string | undefined;
    };

/** A plan step the runner was running, and its number within its operation or open. */
export interface PlanMark {
  /** Its number, from 0 in its operation or open (a retried step counts again). */
  readonly index: number;
  /** The step as the engine planned it. */
  readonly step: Step;
}

/** A whole replay. */
export interface Trace {
  /** The counterexample replayed. */
  readonly ce: Counterexample;
  /** Its bug variant, or undefined for kvlab's own engine (or a student's). */
  readonly bug: BugVariant | undefined;
  /** The engine checked, in words: "kvlab", "bug variant NAME", or the name a student gave theirs. */
  readonly engineName: string;
  readonly events: readonly TraceEvent[];
  /** The violation reproduced, or undefined when every guarantee held. */
  readonly violation: string | undefined;
}

/** Where the recorder is: which command runs, in which phase, which plan step, and calls made. */
interface Cursor {
  command: number;
  phase: StepPhase;
  /** Calls that changed the disk in this command or open, as a crash point counts them. */
  steps: number;
  /** Plan steps begun in this command or open. */
  plans: number;
  plan: PlanMark | undefined;
}

type Push = (e: TraceEvent) => void;

/** The same command or open starts counting its calls and plan steps from 0. */
function restart(cursor: Cursor): void {
  Object.assign(cursor, { steps: 0, plans: 0, plan: undefined });
}

/** A StoreIo that tells each open (`read()` starts every one) with the disk it reads. */
function recordingIo(io: StoreIo, cursor: Cursor, disk: () => Disk | undefined, push: Push) {
  return {
    read: () => {
      if (cursor.command >= 0) cursor.phase = 'recovery';
      restart(cursor);
      push({ kind: 'open', command: cursor.command, disk: disk() });
      return io.read();
    },
    run: (plan) => io.run(plan),
    close: () => io.close(),
  } satisfies StoreIo;
}

/** A runner that runs each plan one step at a time, so each syscall is told with the step it serves. */
function markingRunner(inner: StepRunner, cursor: Cursor): StepRunner {
  return {
    run: (plan) => {
      for (const step of plan) {
        cursor.plan = { index: cursor.plans++, step };
        inner.run([step]);
      }
    },
    closeAll: () => inner.closeAll(),
  };
}

/** An adapter that sets each process's kernel watcher: every call that changed the disk is a step. */
function watchingAdapter(base: Adapter, cursor: Cursor, push: Push, seen: (k: SimKernel) => void) {
  const adapter: Adapter = (kernel) => {
    seen(kernel);
    kernel.watcher = (step, disk, failed) => {
      const { command, phase, plan } = cursor;
      push({ kind: 'step', command, phase, step, plan, disk, ...(failed ? { failed } : {}) });
      if (failed === undefined) cursor.steps++;
    };
    return base(kernel);
  };
  return adapter;
}

function lsnsOf(system: SimSystem | undefined): LsnMarks {
  const m = system?.model;
  return { issued: m?.lastIssuedLsn ?? 0, acked: m?.ackedLsn ?? 0, durable: m?.durableLsn ?? 0 };
}

/** An engine outside the zoo (a student's, through fuzz/check-engine.ts), and its name. */
export interface OwnEngine {
  /** The name the story gives it ("your engine", "log-only, first draft"). */
  readonly name: string;
  /** Its engine and shell seams, as a bug variant's would be given. */
  readonly system: Omit<SystemConfig, 'options'>;
}

/** The shell of a recorded replay: `shell` with every seam watched. */
function recordingShell(shell: Shell, cursor: Cursor, push: Push): Shell {
  let kernel: SimKernel | undefined;
  const { wrapIo, runner } = shell;
  return {
    ...shell,
    adapter: watchingAdapter(shell.adapter ?? realAdapter, cursor, push, (k) => {
      kernel = k;
    }),
    runner: (fs, dir) => markingRunner(runner?.(fs, dir) ?? new PlanRunner(fs, dir), cursor),
    wrapIo: (io) => {
      const recorded = recordingIo(io, cursor, () => kernel?.disk, push);
      return wrapIo === undefined ? recorded : wrapIo(recorded);
    },
  };
}

/** Run the commands one by one until one raises a violation; returns it. */
function runAll(ce: Counterexample, system: SimSystem, cursor: Cursor, push: Push) {
  let violation: string | undefined;
  for (const [i, data] of ce.commands.entries()) {
    const command = commandFromData(data);
    Object.assign(cursor, { command: i, phase: 'operation' });
    restart(cursor);
    push({ kind: 'command', command: i, text: command.toString() });
    try {
      command.run(system.model, system);
    } catch (e) {
      violation = errorMessage(e);
    }
    push({ kind: 'end', command: i, violation });
    if (violation !== undefined) break;
  }
  return violation;
}

/** Replay a counterexample, recording everything that happened: on kvlab, a zoo variant, or `own`. */
export function recordTrace(ce: Counterexample, own?: OwnEngine): Trace {
  const bug = ce.bug === null ? undefined : findBug(ce.bug);
  if (ce.bug !== null && bug === undefined) throw new Error(`unknown bug variant ${ce.bug}`);
  const engineName = own?.name ?? (bug === undefined ? 'kvlab' : `bug variant ${bug.name}`);
  const events: TraceEvent[] = [];
  const push: Push = (e) => {
    events.push(e);
  };
  const cursor: Cursor = { command: -1, phase: 'open', steps: 0, plans: 0, plan: undefined };
  let system: SimSystem | undefined;
  const lsns = (): LsnMarks => lsnsOf(system);
  system = SimSystem.create({
    ...recordingShell(own?.system ?? systemOf(bug), cursor, push),
    options: ce.options,
    observer: {
      crashed: (event) => {
        const { command, steps: stepsBefore } = cursor;
        push({ kind: 'crash', command, event, stepsBefore, lsns: lsns() });
      },
      recovered: (event) => {
        const verdict = verdictOf(event);
        push({ kind: 'recovered', command: cursor.command, event, verdict, lsns: lsns() });
      },
    },
  });
  const violation = runAll(ce, system, cursor, push);
  return { ce, bug, engineName, events, violation };
}
