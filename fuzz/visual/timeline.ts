// The timeline of a story, Jepsen- and ALICE-style: one column per step (a syscall that changes the
// disk) in time order, lanes for the user's operations, the steps (open and recovery included), the
// directory (listed against durable entries) and each file (durable against unsynced bytes); each
// crash a red line, followed by the image the reboot found. KVStore v3 never drew this: its story was a log of printf lines.

import { describeStep, type Step } from '../../src/engine/plan.js';
import { describeCrash } from '../../model/crash.js';
import { listing, type Disk } from '../../model/disk.js';
import { entryState } from './shade.js';
import { COLOUR, esc, group, line, rect, text } from './svg.js';
import type { Trace, TraceEvent } from './trace.js';

/** One column of the timeline. */
type Column =
  | { readonly kind: 'step'; readonly event: Extract<TraceEvent, { kind: 'step' }> }
  | { readonly kind: 'crash'; readonly event: Extract<TraceEvent, { kind: 'crash' }> }
  | { readonly kind: 'reboot'; readonly event: Extract<TraceEvent, { kind: 'crash' }> }
  | { readonly kind: 'recovered'; readonly event: Extract<TraceEvent, { kind: 'recovered' }> }
  | { readonly kind: 'idle'; readonly command: number };

/** Layout, in px. */
const LABEL_W = 150;
/** Column width bounds: wide enough for a letter, narrow enough that 40 steps fit on a page. */
const COL_W_MIN = 22;
const COL_W_MAX = 44;
const WIDTH_PX = 1000;
const LANE_H = 26;
const FILE_H = 40;

/** The letter each step kind is drawn with (the legend spells them out). */
const LETTER: Readonly<Record<Step['kind'], string>> = {
  create: 'C',
  append: 'A',
  fsync: 'F',
  rename: 'R',
  fsyncDir: 'D',
  truncate: 'T',
  unlink: 'U',
};

function columnsOf(events: readonly TraceEvent[]): Column[] {
  const cols: Column[] = [];
  let since = 0;
  for (const e of events) {
    if (e.kind === 'step') cols.push({ kind: 'step', event: e });
    if (e.kind === 'crash') cols.push({ kind: 'crash', event: e }, { kind: 'reboot', event: e });
    if (e.kind === 'recovered') cols.push({ kind: 'recovered', event: e });
    if (e.kind === 'command') since = cols.length;
    if (e.kind === 'end' && cols.length === since) cols.push({ kind: 'idle', command: e.command });
  }
  return cols;
}

/** The disk a column shows: after its step, or the image a reboot found. */
function diskOf(c: Column): Disk | undefined {
  if (c.kind === 'step') return c.event.disk;
  if (c.kind === 'reboot') return c.event.event.image;
  return undefined;
}

function commandOf(c: Column): number {
  return c.kind === 'idle' ? c.command : c.event.command;
}

/** Every file any column shows, in name order. */
function fileNames(trace: Trace): string[] {
  const names = new Set<string>();
  for (const e of trace.events) {
    if (e.kind === 'step') for (const n of listing(e.disk)) names.add(n);
    if (e.kind === 'crash')
      for (const n of [...listing(e.event.before), ...listing(e.event.image)]) names.add(n);
  }
  return [...names].sort();
}

/** What a timeline needs to lay itself out. */
interface Frame {
  readonly cols: readonly Column[];
  readonly files: readonly string[];
  readonly top: number;
  readonly x: (i: number) => number;
  /** Column width. */
  readonly w: number;
}

/** A label cut to fit `widthPx` (about 6.6 px a character at 11 px). */
function clip(words: string, widthPx: number): string {
  const chars = Math.floor(widthPx / 6.6);
  return words.length <= chars ? words : `${words.slice(0, Math.max(0, chars - 1))}…`;
}

function operationsLane(trace: Trace, f: Frame, y: number): string[] {
  const out = [text(8, y + 17, 'operations', { fill: COLOUR.ink })];
  const ends = new Map<number, string | undefined>();
  if (f.cols.some((c) => commandOf(c) === -1)) ends.set(-1, undefined);
  for (const e of trace.events) if (e.kind === 'end') ends.set(e.command, e.violation);
  for (const [command, violation] of ends) {
    const idx = f.cols.flatMap((c, i) => (commandOf(c) === command ? [i] : []));
    const first = idx[0] ?? 0;
    const widthPx = ((idx[idx.length - 1] ?? 0) - first + 1) * f.w - 2;
    const bad = violation !== undefined;
    const words = command < 0 ? 'open' : `${command + 1}. ${textOf(trace, command)}`;
    out.push(
      rect(
        {
          x: f.x(first) + 1,
          y: y + 4,
          width: widthPx,
          height: LANE_H - 8,
          rx: 4,
          fill: bad ? '#ffebee' : command < 0 ? '#eceff1' : '#e3f2fd',
          stroke: bad ? COLOUR.crash : command < 0 ? COLOUR.open : COLOUR.operation,
          class: 'operation',
        },
        `${words}${bad ? ' -> VIOLATION' : ' -> returned'}`,
      ),
      text(f.x(first) + 4, y + 17, clip(words, widthPx - 6), { fill: COLOUR.ink }),
    );
  }
  return out;
}

function textOf(trace: Trace, command: number): string {
  for (const e of trace.events) if (e.kind === 'command' && e.command === command) return e.text;
  return '';
}

function stepTick(c: Column, x: number, y: number, colW: number): string[] {
  if (c.kind === 'step') {
    const { step, phase, failed, plan } = c.event;
    const fill = failed !== undefined ? COLOUR.failed : COLOUR[phase];
    const of =
      plan === undefined ? '' : `, for plan step ${plan.index}: ${describeStep(plan.step)}`;
    const tip = `${phase} step: ${describeStep(step)}${of}${failed === undefined ? '' : ` FAILED (${failed})`}`;
    return [
      rect(
        { x: x + 2, y: y + 4, width: colW - 4, height: LANE_H - 8, rx: 2, fill, class: 'step' },
        tip,
      ),
      text(x + colW / 2, y + 17, LETTER[step.kind], { fill: '#ffffff', 'text-anchor': 'middle' }),
    ];
  }
  if (c.kind === 'crash' && c.event.event.inFlight === undefined) {
    const tip =
      'every step of the operation had run and it returned (acknowledged) when the process died';
    return [
      group({ class: 'returned' }, [
        `<title>${esc(tip)}</title>`,
        text(x + colW / 2, y + 17, 'ack', { fill: COLOUR.operation, 'text-anchor': 'middle' }),
      ]),
    ];
  }
  if (c.kind === 'crash' && c.event.event.inFlight !== undefined) {
    const step = c.event.event.inFlight;
    return [
      rect(
        {
          x: x + 2,
          y: y + 4,
          width: colW - 4,
          height: LANE_H - 8,
          rx: 2,
          fill: '#ffffff',
          stroke: COLOUR.crash,
          'stroke-dasharray': '3 2',
        },
        `in flight when the process died: ${describeStep(step)}`,
      ),
      text(x + colW / 2, y + 17, LETTER[step.kind], {
        fill: COLOUR.crash,
        'text-anchor': 'middle',
      }),
    ];
  }
  if (c.kind === 'recovered') {
    const { outcome, violation } = c.event.event;
    const label = 'state' in outcome ? `LSN ${outcome.state.lastLsn}` : 'refused';
    const colour = violation === undefined ? COLOUR.ok : COLOUR.crash;
    const tip = `recovery returned ${label}${violation === undefined ? ', as allowed' : `: ${violation}`}`;
    return [
      group({ class: 'recovered' }, [
        `<title>${esc(tip)}</title>`,
        text(x + colW / 2, y + 18, violation === undefined ? '✓' : '✗', {
          fill: colour,
          'text-anchor': 'middle',
          'font-size': 16,
          'font-weight': 'bold',
        }),
      ]),
    ];
  }
  return [];
}

const ENTRY_FILL = {
  durable: COLOUR.entryDurable,
  pending: COLOUR.entryPending,
  unlinking: '#ffffff',
  absent: 'none',
} as const;
const ENTRY_WORDS = {
  durable: 'listed, and durable',
  pending: 'listed, NOT yet durable (a power loss may roll it back)',
  unlinking: 'unlinked, the unlink not yet durable',
  absent: 'absent',
} as const;

function directoryLane(f: Frame, y: number): string[] {
  const rowH = 12;
  const out = [text(8, y + 14, 'directory', { fill: COLOUR.ink })];
  f.files.forEach((name, r) => {
    const ry = y + 20 + r * rowH;
    out.push(text(18, ry + 9, name, { fill: COLOUR.ink, 'font-size': 10 }));
    f.cols.forEach((c, i) => {
      const disk = diskOf(c);
      if (disk === undefined) return;
      const state = entryState(disk, name);
      if (state === 'absent') return;
      const tip = `${name}: ${ENTRY_WORDS[state]}${c.kind === 'reboot' ? ' (after the reboot)' : ''}`;
      out.push(
        rect(
          {
            x: f.x(i) + 2,
            y: ry + 1,
            width: f.w - 4,
            height: rowH - 3,
            fill: ENTRY_FILL[state],
            stroke: state === 'unlinking' ? COLOUR.faint : undefined,
            class: `entry entry-${state}`,
          },
          tip,
        ),
      );
    });
  });
  return out;
}

/** The height of the directory lane for `files`. */
function directoryHeight(files: readonly string[]): number {
  return 24 + files.length * 12;
}

function fileLane(f: Frame, name: string, y: number, maxBytes: number): string[] {
  const out = [
    group({ class: 'file-lane', 'data-file': name }, [text(8, y + 22, name, { fill: COLOUR.ink })]),
  ];
  f.cols.forEach((c, i) => {
    const disk = diskOf(c);
    const inode = disk?.entries.get(name);
    const file = inode === undefined ? undefined : disk?.inodes.get(inode);
    if (file === undefined) return;
    const scale = (FILE_H - 8) / Math.max(1, maxBytes);
    const durable = Math.min(file.durable.length, file.visible.length);
    const unsynced = file.visible.length - durable;
    const base = y + FILE_H - 4;
    const tip = `${name}${c.kind === 'reboot' ? ' after the reboot' : ''}: ${file.visible.length} bytes, ${durable} durable${unsynced > 0 ? `, ${unsynced} unsynced` : ''}`;
    out.push(
      rect(
        {
          x: f.x(i) + 3,
          y: base - file.visible.length * scale,
          width: f.w - 6,
          height: Math.max(1, file.visible.length * scale),
          fill: COLOUR.entryPending,
        },
        tip,
      ),
      rect(
        {
          x: f.x(i) + 3,
          y: base - durable * scale,
          width: f.w - 6,
          height: durable * scale,
          fill: COLOUR.ok,
        },
        tip,
      ),
    );
  });
  return out;
}

function crashLines(f: Frame, bottom: number): string[] {
  const out: string[] = [];
  let n = 0;
  f.cols.forEach((c, i) => {
    if (c.kind === 'reboot') {
      out.push(
        rect({ x: f.x(i), y: f.top, width: f.w, height: bottom - f.top, fill: '#ffebee' }),
        text(f.x(i) + f.w / 2, f.top - 4, 'reboot', {
          fill: COLOUR.crash,
          'font-size': 9,
          'text-anchor': 'middle',
        }),
      );
      return;
    }
    if (c.kind !== 'crash') return;
    const x = f.x(i) + f.w;
    const spec = describeCrash(c.event.event.spec);
    const labelY = f.top - 22 - 14 * (n++ % 2);
    out.push(
      group({ class: 'crash-line', 'data-crash': spec }, [
        `<title>${esc(`the process died here: ${spec}. The column after the line is the disk the reboot found; then recovery's own steps.`)}</title>`,
        line({
          x1: x,
          y1: labelY - 10,
          x2: x,
          y2: bottom,
          stroke: COLOUR.crash,
          'stroke-width': 3,
        }),
        // Near the right edge the label runs leftwards from the line, so it stays on the page.
        x + 7 * (spec.length + 7) < WIDTH_PX
          ? text(x + 4, labelY, `CRASH: ${spec}`, { fill: COLOUR.crash, 'font-weight': 'bold' })
          : text(x - 4, labelY, `CRASH: ${spec}`, {
              fill: COLOUR.crash,
              'font-weight': 'bold',
              'text-anchor': 'end',
            }),
      ]),
    );
  });
  return out;
}

function legend(x: number, y: number): string[] {
  const items: [string, string][] = [
    [COLOUR.open, 'step of the first open'],
    [COLOUR.operation, 'step of an operation'],
    [COLOUR.recovery, 'step of a recovery'],
    [COLOUR.ok, 'durable bytes / entry'],
    [COLOUR.entryPending, 'unsynced bytes / entry not yet durable'],
  ];
  const out = items.map(([fill, words], i) => {
    const ix = x + (i % 3) * 300;
    const iy = y + Math.floor(i / 3) * 16;
    return `${rect({ x: ix, y: iy - 9, width: 10, height: 10, fill })}\n${text(ix + 14, iy, words, { fill: COLOUR.ink })}`;
  });
  out.push(
    text(
      x,
      y + 34,
      'one column per step (a call that changes the disk): C create  A append  F fsync  D fsync-dir  R rename  T truncate  U unlink;  dashed: in flight at the crash',
      { fill: COLOUR.ink },
    ),
  );
  return out;
}

/** The timeline, as SVG elements, and the size it takes. */
export function timeline(
  trace: Trace,
  top: number,
): { body: string[]; widthPx: number; heightPx: number } {
  const cols = columnsOf(trace.events);
  const files = fileNames(trace);
  const laneTop = top + 44;
  const w = Math.max(
    COL_W_MIN,
    Math.min(COL_W_MAX, (WIDTH_PX - LABEL_W - 20) / Math.max(1, cols.length)),
  );
  const f: Frame = { cols, files, top: laneTop, x: (i) => LABEL_W + i * w, w };
  let maxBytes = 1;
  for (const c of cols) {
    const disk = diskOf(c);
    if (disk !== undefined)
      for (const img of disk.inodes.values()) maxBytes = Math.max(maxBytes, img.visible.length);
  }
  const body = [
    // In the label column, clear of the crash labels above the lanes.
    text(8, laneTop - 6, 'time →', { fill: COLOUR.faint }),
  ];
  let y = laneTop;
  body.push(...operationsLane(trace, f, y));
  y += LANE_H;
  body.push(
    text(8, y + 17, 'steps', { fill: COLOUR.ink }),
    ...cols.flatMap((c, i) => stepTick(c, f.x(i), y, f.w)),
  );
  y += LANE_H;
  body.push(...directoryLane(f, y));
  y += directoryHeight(files);
  for (const name of files) {
    body.push(...fileLane(f, name, y, maxBytes));
    y += FILE_H;
  }
  body.unshift(...crashLines(f, y));
  // Lane separators go first, under everything else.
  const rows = [laneTop, laneTop + LANE_H, laneTop + 2 * LANE_H, y];
  for (const ry of rows)
    body.unshift(line({ x1: 4, y1: ry, x2: f.x(cols.length), y2: ry, stroke: '#e0e0e0' }));
  body.push(...legend(8, y + 20));
  const commands = trace.events.flatMap((e) => (e.kind === 'end' ? [e] : []));
  commands.forEach((e, i) => {
    const words = `${e.command + 1}. ${textOf(trace, e.command)}  -> ${e.violation === undefined ? 'returned' : 'VIOLATION'}`;
    body.push(
      text(8, y + 76 + i * 15, words, {
        fill: e.violation === undefined ? COLOUR.ink : COLOUR.crash,
      }),
    );
  });
  const widthPx = Math.max(WIDTH_PX, f.x(cols.length) + 40);
  return { body, widthPx, heightPx: y + 80 + commands.length * 15 - top };
}
