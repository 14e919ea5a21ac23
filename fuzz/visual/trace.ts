// The trace of a replayed counterexample: every command, every plan step that ran (those of the open and
// of recovery included), each crash and each recovery, in time order, with the disk after each step. The
// text story (fuzz/story.ts) and the pictures (fuzz/visual/) are both drawn from it. It stands for the
// strace a student of KVStore v3 would take of its fwrite/fsync/rename calls.

import { errorMessage } from '../../src/engine/errors.js';
import type { Step } from '../../src/engine/plan.js';
import type { StoreIo } from '../../src/io/store.js';
import { commandFromData } from '../../model/commands/codec.js';
import type { Disk } from '../../model/disk.js';
import { SimIo } from '../../model/sim-io.js';
import {
  SimSystem,
  type CrashEvent,
  type RecoveryEvent,
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
  | {
      readonly kind: 'step';
      readonly command: number;
      readonly phase: StepPhase;
      readonly step: Step;
      /** The disk once the step ran (the page cache view and the durable view). */
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

/** A whole replay. */
export interface Trace {
  readonly ce: Counterexample;
  readonly bug: BugVariant | undefined;
  /** The engine checked, in words: "kvlab", "bug variant NAME", or the name a student gave theirs. */
  readonly engineName: string;
  readonly events: readonly TraceEvent[];
  /** The violation reproduced, or undefined when every guarantee held. */
  readonly violation: string | undefined;
}

/** Where the recorder is: which command runs, in which phase, and how many of its steps ran. */
interface Cursor {
  command: number;
  phase: StepPhase;
  steps: number;
}

/**
 * A StoreIo that runs each plan one step at a time and reports each step: the system's SimIo counts
 * steps across calls, so crashes land exactly where they would have. `read()` starts every open.
 */
function recording(io: StoreIo, cursor: Cursor, push: (e: TraceEvent) => void): StoreIo {
  const diskOf = (): Disk | undefined => (io instanceof SimIo ? io.disk : undefined);
  return {
    read: () => {
      if (cursor.command >= 0) cursor.phase = 'recovery';
      push({ kind: 'open', command: cursor.command, disk: diskOf() });
      return io.read();
    },
    run: (plan) => {
      for (const step of plan) {
        const base = { kind: 'step', command: cursor.command, phase: cursor.phase, step } as const;
        try {
          io.run([step]);
        } catch (e) {
          // A crash is told by the crash event; an injected I/O error is a step that failed.
          const disk = diskOf();
          const crashed = io instanceof SimIo && io.crashed !== undefined;
          if (!crashed && disk !== undefined) push({ ...base, disk, failed: errorMessage(e) });
          throw e;
        }
        const disk = diskOf();
        if (disk !== undefined) push({ ...base, disk });
        cursor.steps++;
      }
    },
    close: () => io.close(),
  };
}

function lsnsOf(system: SimSystem | undefined): LsnMarks {
  const m = system?.model;
  return { issued: m?.lastIssuedLsn ?? 0, acked: m?.ackedLsn ?? 0, durable: m?.durableLsn ?? 0 };
}

/** An engine outside the zoo (a student's, through fuzz/checker-api.ts), and its name. */
export interface OwnEngine {
  readonly name: string;
  readonly system: Omit<SystemConfig, 'options'>;
}

/** Replay a counterexample, recording everything that happened: on kvlab, a zoo variant, or `own`. */
export function recordTrace(ce: Counterexample, own?: OwnEngine): Trace {
  const bug = ce.bug === null ? undefined : findBug(ce.bug);
  if (ce.bug !== null && bug === undefined) throw new Error(`unknown bug variant ${ce.bug}`);
  const engineName = own?.name ?? (bug === undefined ? 'kvlab' : `bug variant ${bug.name}`);
  const events: TraceEvent[] = [];
  const push = (e: TraceEvent): void => {
    events.push(e);
  };
  const cursor: Cursor = { command: -1, phase: 'open', steps: 0 };
  const { engine, wrapIo } = own?.system ?? systemOf(bug);
  let system: SimSystem | undefined;
  system = SimSystem.create({
    options: ce.options,
    ...(engine === undefined ? {} : { engine }),
    wrapIo: (io) => {
      const recorded = recording(io, cursor, push);
      return wrapIo === undefined ? recorded : wrapIo(recorded);
    },
    observer: {
      crashed: (event) =>
        push({
          kind: 'crash',
          command: cursor.command,
          event,
          stepsBefore: cursor.steps,
          lsns: lsnsOf(system),
        }),
      recovered: (event) =>
        push({
          kind: 'recovered',
          command: cursor.command,
          event,
          verdict: verdictOf(event),
          lsns: lsnsOf(system),
        }),
    },
  });
  let violation: string | undefined;
  for (const [i, data] of ce.commands.entries()) {
    const command = commandFromData(data);
    Object.assign(cursor, { command: i, phase: 'operation', steps: 0 });
    push({ kind: 'command', command: i, text: command.toString() });
    try {
      command.run(system.model, system);
    } catch (e) {
      violation = errorMessage(e);
    }
    push({ kind: 'end', command: i, violation });
    if (violation !== undefined) break;
  }
  return { ce, bug, engineName, events, violation };
}
