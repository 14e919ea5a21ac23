// The picture of a counterexample: one static SVG (timeline, byte strips, LSN axis) that reads on GitHub
// without JS, and `kvlab replay FILE --html OUT`'s self-contained page around it (CSS, a little JS for
// the hover panel, the first-difference table, links to the broken guarantee and the bug's page).
// KVStore v3 had no such view: its post-mortem was reading the log file with xxd.

import type { Fault } from '../../model/oracle.js';
import type { Disk } from '../../model/disk.js';
import type { CrashEvent } from '../../model/system.js';
import { CRASH_WORDS, lsnAxis, strips, type StripWords } from './bytes-view.js';
import { fates } from './shade.js';
import { COLOUR, svgDocument, text, wrap } from './svg.js';
import { timeline } from './timeline.js';
import type { Trace, TraceEvent } from './trace.js';

type CrashMark = Extract<TraceEvent, { kind: 'crash' }>;
type RecoveredMark = Extract<TraceEvent, { kind: 'recovered' }>;

/** The recovery the page is about: the one that broke a guarantee, else the last one. */
export function keyRecovery(trace: Trace): RecoveredMark | undefined {
  const all = trace.events.flatMap((e) => (e.kind === 'recovered' ? [e] : []));
  return all.find((e) => e.event.violation !== undefined) ?? all[all.length - 1];
}

/** The crash the strips show: the last one before the key recovery. */
function keyCrash(trace: Trace): CrashMark | undefined {
  const until = keyRecovery(trace);
  let last: CrashMark | undefined;
  for (const e of trace.events) {
    if (e === until) break;
    if (e.kind === 'crash') last = e;
  }
  return last;
}

/** How the strips of a recovery without a crash are labelled, by the fault it followed. */
const NO_CRASH_WORDS: Readonly<Partial<Record<Fault['kind'], StripWords>>> = {
  clean: { before: 'before the reopen', after: 'as recovery read it' },
  'io-error': { before: 'after the I/O error', after: 'as recovery read it' },
  damage: { before: 'before the damage', after: 'as recovery read it' },
};

/**
 * The moment the byte strips show: the crash before the key recovery; or, for a clean reopen, an I/O
 * error or damage, the disk after the last step before it against the disk recovery read.
 */
function filesShown(trace: Trace): { event: CrashEvent; words: StripWords } | undefined {
  const crash = keyCrash(trace);
  if (crash !== undefined) return { event: crash.event, words: CRASH_WORDS };
  const rec = keyRecovery(trace);
  const words = rec === undefined ? undefined : NO_CRASH_WORDS[rec.event.fault.kind];
  if (rec === undefined || words === undefined) return undefined;
  // The last open before the key recovery, and the disk after the last step before that open.
  let last: Disk | undefined;
  let before: Disk | undefined;
  let read: Disk | undefined;
  for (const e of trace.events) {
    if (e === rec) break;
    if (e.kind === 'step') last = e.disk;
    if (e.kind === 'open') [before, read] = [last, e.disk];
  }
  if (before === undefined || read === undefined) return undefined;
  const event = {
    spec: { model: 'kill', cut: 'none' },
    before,
    inFlight: undefined,
    stepIndex: undefined,
    image: read,
  } as const;
  return { event, words };
}

/** The heading of spec/guarantees.md that states the promise for each fault. */
export const GUARANTEE_HEADINGS: Readonly<Record<Fault['kind'], string>> = {
  kill: 'After a process kill (SIGKILL, a crash of the process)',
  power: 'After a power loss',
  'io-error': 'After an I/O error (EIO, ENOSPC on any write, fsync, rename…)',
  damage: 'After damage to a file (a flipped bit, zeroed bytes, on a durable file between runs)',
  clean: 'Operations that never change the state',
};

/** GitHub's anchor for a heading. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** One line saying what happened, for titles. */
function headline(trace: Trace): string {
  const engine = trace.engineName;
  return trace.violation === undefined
    ? `${engine}: every guarantee held`
    : `${engine}: VIOLATION: ${trace.violation}`;
}

/** The whole picture as one standalone SVG document. */
export function storySvg(trace: Trace): string {
  const colour = trace.violation === undefined ? COLOUR.ok : COLOUR.crash;
  const head = wrap(headline(trace), 125).map((words, i) =>
    text(8, 18 + 15 * i, words, { fill: colour, 'font-weight': 'bold', 'font-size': 12 }),
  );
  const top = 30 + 15 * head.length;
  const tl = timeline(trace, top);
  const widthPx = tl.widthPx;
  const body = [...head, ...tl.body];
  let y = top + tl.heightPx;
  const files = filesShown(trace);
  if (files !== undefined) {
    const s = strips(fates(files.event), y + 10, widthPx, files.words);
    body.push(...s.body);
    y += 10 + s.heightPx;
  }
  const rec = keyRecovery(trace);
  if (rec !== undefined) {
    const { allowed, outcome, violation } = rec.event;
    const axis = lsnAxis({ marks: rec.lsns, allowed, outcome, violation }, y, widthPx);
    body.push(...axis.body);
    y += axis.heightPx;
    const d = rec.verdict.difference;
    if (d !== undefined) {
      const words = `first difference from the nearest allowed state S(${rec.verdict.nearestLsn}): key ${JSON.stringify(d.key)} recovered ${d.recovered}, allowed ${d.allowed}`;
      body.push(text(8, y, words, { fill: COLOUR.crash, 'font-weight': 'bold' }));
      y += 16;
    }
  }
  return svgDocument(widthPx, y + 10, `kvlab replay: ${headline(trace)}`, body);
}

/** Where the page links to: the spec folder, as a path relative to the page. */
export interface PageLinks {
  readonly specHref: string;
}
