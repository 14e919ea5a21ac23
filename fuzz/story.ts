// `kvlab replay`: run a counterexample again, command by command, and tell its story: each command with
// every step it ran, a step being a syscall that changed the disk, told with the plan step it served
// when the two differ (the first open and every recovery included); under a crash, the bytes of each
// file at that moment (durable, unsynced, torn, lost); what recovery found and what the model
// allowed; and the first difference, marked. It is told from the trace fuzz/visual/ draws from.

import { compareKeys } from '../src/engine/bytes.js';
import { errorMessage } from '../src/engine/errors.js';
import { describeStep } from '../src/engine/plan.js';
import { describeCrash } from '../model/crash.js';
import { listing, readFile, type Disk, type FileImage } from '../model/disk.js';
import type { CrashEvent, RecoveryEvent } from '../model/system.js';
import type { Verdict } from './visual/verdict.js';
import type { Counterexample } from './counterexample.js';
import { intended } from './visual/shade.js';
import { recordTrace, type Trace, type TraceEvent } from './visual/trace.js';

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

/** What the reboot left of one file, compared with what it would have held. */
function fate(after: Uint8Array, want: Uint8Array, durable: number): string {
  let same = 0;
  while (same < after.length && same < want.length && after[same] === want[same]) same++;
  if (same === after.length && same === want.length) return `all ${want.length} bytes`;
  if (same === want.length && after.length > want.length)
    return `${after.length} bytes: ${want.length}..${after.length} still there (a pending truncate was lost)`;
  if (same === after.length)
    return `${after.length} of ${want.length} bytes: ${Math.max(after.length, durable)}..${want.length} LOST${after.length > durable ? ' (a write TORN short)' : ''}`;
  const zeros = after.subarray(same).every((b) => b === 0);
  return `${after.length} bytes, from ${same} on ${zeros ? 'ZEROED' : 'GARBAGE'} (a write TORN in place)`;
}

/** The directory entry of `name` at the crash, in words, when it was not simply durable. */
function entryNote(disk: Disk, name: string): string {
  const listed = disk.entries.get(name);
  if (listed === undefined) return '';
  return disk.durableEntries.get(name) === listed
    ? ''
    : ' (its directory entry not yet durable: no fsync-dir since it was made)';
}

/** One line per file: which bytes were durable and unsynced at the crash, and what the reboot found. */
function describeFiles(event: CrashEvent): string[] {
  const lines: string[] = [];
  const names = [...new Set([...listing(event.before), ...listing(event.image)])].sort();
  for (const name of names) {
    const file = fileAt(event.before, name);
    const after = readFile(event.image, name);
    const durable = file?.durable.length ?? 0;
    const want = intended(event, name);
    const inFlight =
      want.length > (file?.visible.length ?? 0)
        ? `, ${file?.visible.length ?? 0}..${want.length} in flight`
        : '';
    const was =
      file === undefined
        ? 'not there'
        : durable === file.visible.length
          ? `0..${durable} durable${inFlight}`
          : durable > file.visible.length
            ? `0..${file.visible.length} durable, cut from ${durable} bytes by a truncate not yet fsynced${inFlight}`
            : `0..${durable} durable, ${durable}..${file.visible.length} unsynced${inFlight}`;
    let now: string;
    if (after === undefined)
      now = file === undefined ? 'absent' : 'LOST (its directory entry was never made durable)';
    else if (file === undefined) now = `${after.length} bytes (an entry rolled back to it)`;
    else now = fate(after, want, durable);
    lines.push(
      `      ${name.padEnd(15)} at the crash: ${was}${entryNote(event.before, name)}; after the reboot: ${now}`,
    );
  }
  return lines;
}

function describeRecovery(event: RecoveryEvent, verdict: Verdict): string[] {
  const lines: string[] = [];
  const { allowed, outcome } = event;
  lines.push(
    'error' in outcome
      ? `    recovery found: ${errorMessage(outcome.error)}`
      : `    recovery found: LSN ${outcome.state.lastLsn}, ${show(verdict.recovered ?? new Map())}`,
  );
  const refuse = allowed.mayRefuse ? ' (or CORRUPTED)' : '';
  if (allowed.mustRefuse) lines.push('    the model allowed: only CORRUPTED');
  else if (!allowed.prefix)
    lines.push(
      '    the model allowed: any state whose every value was once written to its key (salvage)',
    );
  else
    lines.push(
      `    the model allowed: S(${allowed.minLsn})..S(${allowed.maxLsn})${refuse}; nearest: S(${verdict.nearestLsn}) = ${show(verdict.nearest ?? new Map())}`,
    );
  const d = verdict.difference;
  if (d !== undefined)
    lines.push(
      `    >>> first difference: key ${JSON.stringify(d.key)}: recovered ${d.recovered}, allowed ${d.allowed}`,
    );
  if (event.violation !== undefined) lines.push(`    >>> VIOLATION: ${event.violation}`);
  return lines;
}

/** Where a crash came, in words that match the command ("crash put ... at step N"). */
function crashWhere(e: Extract<TraceEvent, { kind: 'crash' }>): string {
  const { event } = e;
  if (event.inFlight !== undefined)
    return `at step ${event.stepIndex} (${describeStep(event.inFlight)}), while it was in flight`;
  if (e.stepsBefore === 0)
    return 'after the operation returned: it made no call that changes the disk, so the crash point lies past its end; then the process died';
  return `after the operation's last step: it made ${e.stepsBefore} ${e.stepsBefore === 1 ? 'call that changes' : 'calls that change'} the disk (steps 0..${e.stepsBefore - 1}), so the crash point lies past its end; the operation returned, then the process died`;
}

/** Steps counted from 0 within each operation and within each open, so "at step N" can be looked up. */
interface Counts {
  step: number;
  /** The call that failed just before, if the last step failed: a repeat of it is a retry. */
  failed?: string | undefined;
}

function narrate(e: TraceEvent, counts: Counts, lines: string[]): void {
  switch (e.kind) {
    case 'open':
      counts.step = 0;
      if (e.command >= 0) lines.push('    recovery opens the store:');
      return;
    case 'step': {
      const who = e.phase === 'operation' ? '' : `${e.phase} `;
      const failed = e.failed === undefined ? '' : `  -> FAILED (${e.failed})`;
      const call = describeStep(e.step);
      // A syscall is told under its plan step only when the two differ (a short write finished).
      const plan = e.plan === undefined ? call : describeStep(e.plan.step);
      const of = plan === call ? '' : ` (part of plan step ${e.plan?.index}: ${plan})`;
      // A failed call takes no step number: the call after it is counted where it was.
      const retry = counts.failed === call ? ' (the failed call again: a retry)' : '';
      lines.push(`      ${who}step ${counts.step}: ${call}${of}${retry}${failed}`);
      counts.failed = e.failed === undefined ? undefined : call;
      if (e.failed === undefined) counts.step++;
      return;
    }
    case 'crash':
      lines.push(
        `    crash ${crashWhere(e)}: ${describeCrash(e.event.spec)}`,
        ...describeFiles(e.event),
      );
      return;
    case 'recovered':
      lines.push(...describeRecovery(e.event, e.verdict));
      return;
    default:
      return;
  }
}

/** The story of a recorded trace, line by line. */
export function tell(trace: Trace): string[] {
  const { ce, bug } = trace;
  const o = ce.options;
  const lines = [
    `engine: ${trace.engineName}${bug === undefined ? '' : ` (${bug.summary})`}`,
    `options: sync=${o.sync} recovery=${o.recovery} compactWrites=${o.compactWrites} compactWalBytes=${o.compactWalBytes} treeOrder=${o.treeOrder}`,
    `found by the ${ce.found.by} checker, seed ${ce.found.seed}${ce.found.path === undefined ? '' : `, path ${ce.found.path}`}`,
    ' 0. open the store on an empty directory (steps are numbered from 0 in each operation and each open)',
  ];
  const counts: Counts = { step: 0 };
  let body: string[] = [];
  for (const e of trace.events) {
    if (e.kind === 'command') {
      lines.push(...body);
      body = [];
      counts.step = 0;
    } else if (e.kind === 'end') {
      const result = e.violation === undefined ? 'ok' : 'VIOLATION';
      lines.push(
        `${String(e.command + 1).padStart(2)}. ${commandText(trace, e.command)}  -> ${result}`,
        ...body,
      );
      if (e.violation !== undefined && !body.some((l) => l.includes('>>> VIOLATION')))
        lines.push(`    >>> VIOLATION: ${e.violation}`);
      body = [];
    } else narrate(e, counts, body);
  }
  lines.push(...body);
  return lines;
}

function commandText(trace: Trace, command: number): string {
  for (const e of trace.events) if (e.kind === 'command' && e.command === command) return e.text;
  return '';
}

/** Replay a counterexample and tell its story. */
export function replay(ce: Counterexample): ReplayResult & { readonly trace: Trace } {
  const trace = recordTrace(ce);
  const lines = tell(trace);
  lines.push(
    trace.violation === undefined
      ? 'the counterexample no longer fails: every guarantee held'
      : `the guarantee broken: ${trace.violation}`,
  );
  return { lines, violation: trace.violation, trace };
}
