// `kvlab replay`: run a counterexample again, command by command, and tell its story: each command with
// its result; under a crash, the bytes of each file at that moment (durable, unsynced, torn, lost); what
// recovery found and what the model allowed; and the first difference, marked.

import { treeEntries } from '../src/engine/bptree.js';
import { compareKeys } from '../src/engine/bytes.js';
import { isKvError } from '../src/engine/errors.js';
import { describeStep } from '../src/engine/plan.js';
import { commandFromData } from '../model/commands/codec.js';
import { describeCrash } from '../model/crash.js';
import { listing, readFile, type Disk, type FileImage } from '../model/disk.js';
import type { KvModel } from '../model/model.js';
import { SimSystem, type CrashEvent, type RecoveryEvent } from '../model/system.js';
import type { Counterexample } from './counterexample.js';
import { findBug, systemOf } from './zoo/index.js';

/** How a replay ended. */
export interface ReplayResult {
  /** The story, line by line. */
  readonly lines: readonly string[];
  /** The violation reproduced, or undefined when the counterexample no longer fails. */
  readonly violation: string | undefined;
}

const show = (m: ReadonlyMap<string, string>): string =>
  `{${[...m]
    .sort((a, b) => compareKeys(a[0], b[0]))
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;

function fileAt(disk: Disk, name: string): FileImage | undefined {
  const inode = disk.entries.get(name);
  return inode === undefined ? undefined : disk.inodes.get(inode);
}

/** What `file` would hold had the crash not happened: the page cache plus the append in flight. */
function intended(event: CrashEvent, name: string, file: FileImage | undefined): Uint8Array {
  const visible = file?.visible ?? new Uint8Array();
  const step = event.inFlight;
  if (step?.kind !== 'append' || step.file !== name) return visible;
  const out = new Uint8Array(step.offsetBytes + step.data.length);
  out.set(visible.subarray(0, step.offsetBytes));
  out.set(step.data, step.offsetBytes);
  return out;
}

/** What the reboot left of one file, compared with what it would have held. */
function fate(after: Uint8Array, want: Uint8Array, durable: number): string {
  let same = 0;
  while (same < after.length && same < want.length && after[same] === want[same]) same++;
  if (same === after.length && same === want.length) return `all ${want.length} bytes`;
  if (same === after.length)
    return `${after.length} of ${want.length} bytes: ${Math.max(after.length, durable)}..${want.length} LOST${after.length > durable ? ' (a write TORN short)' : ''}`;
  const zeros = after.subarray(same).every((b) => b === 0);
  return `${after.length} bytes, from ${same} on ${zeros ? 'ZEROED' : 'GARBAGE'} (a write TORN in place)`;
}

/** One line per file: which bytes were durable and unsynced at the crash, and what the reboot found. */
function describeFiles(event: CrashEvent): string[] {
  const lines: string[] = [];
  const names = [...new Set([...listing(event.before), ...listing(event.image)])].sort();
  for (const name of names) {
    const file = fileAt(event.before, name);
    const after = readFile(event.image, name);
    const durable = file?.durable.length ?? 0;
    const want = intended(event, name, file);
    const inFlight =
      want.length > (file?.visible.length ?? 0)
        ? `, ${file?.visible.length ?? 0}..${want.length} in flight`
        : '';
    const was =
      file === undefined
        ? 'not there'
        : durable === file.visible.length
          ? `0..${durable} durable${inFlight}`
          : `0..${durable} durable, ${durable}..${file.visible.length} unsynced${inFlight}`;
    let now: string;
    if (after === undefined)
      now = file === undefined ? 'absent' : 'LOST (its directory entry was never made durable)';
    else if (file === undefined) now = `${after.length} bytes (an entry rolled back to it)`;
    else now = fate(after, want, durable);
    lines.push(`      ${name.padEnd(15)} at the crash: ${was}; after the reboot: ${now}`);
  }
  return lines;
}

/** The first key where `got` and `want` differ, marked. */
function firstDifference(
  got: ReadonlyMap<string, string>,
  want: ReadonlyMap<string, string>,
): string | undefined {
  const keys = [...new Set([...got.keys(), ...want.keys()])].sort(compareKeys);
  for (const k of keys) {
    if (got.get(k) !== want.get(k)) {
      const g = got.has(k) ? JSON.stringify(got.get(k)) : '(absent)';
      const w = want.has(k) ? JSON.stringify(want.get(k)) : '(absent)';
      return `key ${JSON.stringify(k)}: recovered ${g}, allowed ${w}`;
    }
  }
  return undefined;
}

function describeRecovery(event: RecoveryEvent, model: KvModel): string[] {
  const lines: string[] = [];
  const { allowed, outcome } = event;
  if ('error' in outcome) {
    lines.push(
      `    recovery found: ${isKvError(outcome.error) ? outcome.error.message : String(outcome.error)}`,
    );
  } else {
    lines.push(
      `    recovery found: LSN ${outcome.state.lastLsn}, ${show(new Map(treeEntries(outcome.state.tree)))}`,
    );
  }
  const refuse = allowed.mustRefuse ? 'only CORRUPTED' : allowed.mayRefuse ? ' (or CORRUPTED)' : '';
  if (allowed.mustRefuse) lines.push(`    the model allowed: ${refuse}`);
  else if (!allowed.prefix)
    lines.push(
      '    the model allowed: any state whose every value was once written to its key (salvage)',
    );
  else {
    const k =
      'state' in outcome
        ? Math.min(Math.max(outcome.state.lastLsn, allowed.minLsn), allowed.maxLsn)
        : allowed.minLsn;
    lines.push(
      `    the model allowed: S(${allowed.minLsn})..S(${allowed.maxLsn})${refuse}; nearest: S(${k}) = ${show(model.stateAt(k))}`,
    );
    if ('state' in outcome && event.violation !== undefined) {
      const diff = firstDifference(new Map(treeEntries(outcome.state.tree)), model.stateAt(k));
      if (diff !== undefined) lines.push(`    >>> first difference: ${diff}`);
    }
  }
  if (event.violation !== undefined) lines.push(`    >>> VIOLATION: ${event.violation}`);
  return lines;
}

/** Replay a counterexample and tell its story. */
export function replay(ce: Counterexample): ReplayResult {
  const bug = ce.bug === null ? undefined : findBug(ce.bug);
  if (ce.bug !== null && bug === undefined) throw new Error(`unknown bug variant ${ce.bug}`);
  const lines: string[] = [];
  let pending: string[] = [];
  const o = ce.options;
  lines.push(`engine: ${bug === undefined ? 'kvlab' : `bug variant ${bug.name} (${bug.summary})`}`);
  lines.push(
    `options: sync=${o.sync} recovery=${o.recovery} compactWrites=${o.compactWrites} compactWalBytes=${o.compactWalBytes} treeOrder=${o.treeOrder}`,
  );
  lines.push(
    `found by the ${ce.found.by} checker, seed ${ce.found.seed}${ce.found.path === undefined ? '' : `, path ${ce.found.path}`}`,
  );
  const system = SimSystem.create({
    options: ce.options,
    ...systemOf(bug),
    observer: {
      crashed: (event) => {
        const where =
          event.inFlight === undefined
            ? 'after the operation completed'
            : `at step ${event.stepIndex} (${describeStep(event.inFlight)}) in flight`;
        pending.push(`    crash ${where}: ${describeCrash(event.spec)}`, ...describeFiles(event));
      },
      recovered: (event) => pending.push(...describeRecovery(event, event.model)),
    },
  });
  let violation: string | undefined;
  ce.commands.forEach((data, i) => {
    if (violation !== undefined) return;
    const command = commandFromData(data);
    pending = [];
    try {
      command.run(system.model, system);
      lines.push(`${String(i + 1).padStart(2)}. ${command.toString()}  -> ok`, ...pending);
    } catch (e) {
      violation = e instanceof Error ? e.message : String(e);
      lines.push(`${String(i + 1).padStart(2)}. ${command.toString()}  -> VIOLATION`, ...pending);
      if (!pending.some((l) => l.includes('VIOLATION')))
        lines.push(`    >>> VIOLATION: ${violation}`);
    }
  });
  lines.push(
    violation === undefined
      ? 'the counterexample no longer fails: every guarantee held'
      : `the guarantee broken: ${violation}`,
  );
  return { lines, violation };
}
