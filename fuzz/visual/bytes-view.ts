// The byte strips and the LSN axis, OSTEP-style pictures of the on-disk structures: each file at the
// crash and after the reboot, aligned byte for byte and cut at the decoder's field boundaries; then the
// LSNs the model issued, acknowledged and made durable, the window the oracle allowed, and what
// recovery returned. KVStore v3's recovery printed none of this; it only said "loaded N records".

import type { Allowed, Outcome } from '../../model/oracle.js';
import { fieldsOf, type Field } from './fields.js';
import { SHADES, type FileFate, type Shade, type Strip } from './shade.js';
import { COLOUR, esc, group, line, rect, SHADE_FILL, text } from './svg.js';
import type { LsnMarks } from './trace.js';

const LABEL_W = 150;
const ROW_H = 22;
const HEX_SHOWN_MAX = 24;

/** Bytes as hex, shortened past HEX_SHOWN_MAX. */
function hexOf(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, HEX_SHOWN_MAX), (b) =>
    b.toString(16).padStart(2, '0'),
  );
  return `${shown.join(' ')}${bytes.length > HEX_SHOWN_MAX ? ` … (${bytes.length} bytes)` : ''}`;
}

/** Runs of equal shade within start..end. */
function runs(shades: readonly Shade[], start: number, end: number): [number, number, Shade][] {
  const out: [number, number, Shade][] = [];
  for (let i = start; i < end; i++) {
    const s = shades[i] ?? 'lost';
    const last = out[out.length - 1];
    if (last !== undefined && last[2] === s && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1, s]);
  }
  return out;
}

function fieldRects(
  file: string,
  strip: Strip,
  f: Field,
  x0: number,
  y: number,
  pxPerByte: number,
): string {
  const bytes = strip.bytes.subarray(f.start, f.end);
  const hex = f.name === 'lost' ? '(no bytes)' : hexOf(bytes);
  const kinds = [...new Set(runs(strip.shades, f.start, f.end).map((r) => r[2]))].join(', ');
  const tip = `${file} bytes ${f.start}..${f.end} — ${f.name} (${kinds})\nhex: ${hex}\n${f.detail}`;
  const parts = runs(strip.shades, f.start, f.end).map(([a, b, s]) =>
    rect({
      x: x0 + a * pxPerByte,
      y,
      width: (b - a) * pxPerByte,
      height: ROW_H,
      fill: SHADE_FILL[s],
      stroke: s === 'lost' ? COLOUR.faint : undefined,
      'stroke-dasharray': s === 'lost' ? '3 2' : undefined,
      class: `byte byte-${s}`,
    }),
  );
  const widthPx = (f.end - f.start) * pxPerByte;
  const label =
    f.name.length * 6.6 + 2 <= widthPx
      ? [
          text(x0 + f.start * pxPerByte + widthPx / 2, y + 15, f.name, {
            fill: labelInk(strip.shades[f.start]),
            'text-anchor': 'middle',
            'font-size': 10,
          }),
        ]
      : [];
  const border = rect({
    x: x0 + f.start * pxPerByte,
    y,
    width: widthPx,
    height: ROW_H,
    fill: 'none',
    stroke: '#ffffff',
    'stroke-width': 1,
  });
  return group(
    {
      class: 'field',
      'data-field': f.name,
      'data-hex': hex,
      'data-detail': f.detail,
      'data-range': `${file} ${f.start}..${f.end}`,
    },
    [`<title>${esc(tip)}</title>`, ...parts, border, ...label],
  );
}

function labelInk(s: Shade | undefined): string {
  return s === 'unsynced' || s === 'kept' || s === 'lost' || s === 'zeroed'
    ? COLOUR.ink
    : '#ffffff';
}

function stripRow(
  file: string,
  strip: Strip,
  fields: readonly Field[],
  y: number,
  pxPerByte: number,
  label: string,
): string[] {
  const size = strip.shades.length;
  return [
    text(8, y + 15, label, { fill: COLOUR.faint }),
    ...fields.map((f) => fieldRects(file, strip, f, LABEL_W, y, pxPerByte)),
    text(LABEL_W + size * pxPerByte + 6, y + 15, `${strip.bytes.length} B`, { fill: COLOUR.faint }),
  ];
}

const ENTRY_NOTE = {
  durable: 'durable',
  pending: 'NOT durable (no fsync-dir since it was made)',
  unlinking: 'unlinked',
  absent: 'none',
} as const;

/** What the two strips of a file stand for: a crash and the reboot, or a clean reopen. */
export interface StripWords {
  readonly before: string;
  readonly after: string;
}

/** The strips of a crash. */
export const CRASH_WORDS: StripWords = { before: 'at the crash', after: 'after the reboot' };

/** One file's two strips, before and after, with its directory entry's fate. */
function fileStrips(fate: FileFate, y: number, pxPerByte: number, words: StripWords): string {
  const { name, before, after } = fate;
  const lost =
    after.shades.length > after.bytes.length
      ? [
          {
            start: after.bytes.length,
            end: after.shades.length,
            name: 'lost',
            detail: 'not there after the reboot',
          },
        ]
      : [];
  const entry = `directory entry ${words.before}: ${ENTRY_NOTE[fate.entryBefore]}; ${words.after}: ${ENTRY_NOTE[fate.entryAfter]}`;
  const entryLost = fate.entryAfter === 'absent' && fate.entryBefore !== 'absent';
  return group({ class: 'strip', 'data-file': name }, [
    text(8, y + 12, name, { fill: COLOUR.ink, 'font-weight': 'bold' }),
    text(LABEL_W, y + 12, entry, { fill: entryLost ? COLOUR.crash : COLOUR.faint }),
    ...stripRow(name, before, fieldsOf(name, before.bytes), y + 18, pxPerByte, words.before),
    ...stripRow(
      name,
      after,
      [...fieldsOf(name, after.bytes), ...lost],
      y + 22 + ROW_H,
      pxPerByte,
      words.after,
    ),
  ]);
}

/** Every file's strips, before and after, aligned on one byte scale. */
export function strips(
  fates: readonly FileFate[],
  top: number,
  widthPx: number,
  words: StripWords = CRASH_WORDS,
): { body: string[]; heightPx: number } {
  const longest = Math.max(
    1,
    ...fates.map((f) => Math.max(f.before.shades.length, f.after.shades.length)),
  );
  const pxPerByte = Math.min(14, (widthPx - LABEL_W - 60) / longest);
  const body = [
    text(
      8,
      top + 12,
      `the files ${words.before} and ${words.after}, cut into fields by kvlab's decoder ("dropped": bytes it dropped); 1 byte = ${pxPerByte.toFixed(1)} px`,
      { fill: COLOUR.faint },
    ),
  ];
  let y = top + 24;
  for (const fate of fates) {
    body.push(fileStrips(fate, y, pxPerByte, words));
    y += 18 + 2 * ROW_H + 16;
  }
  const legendY = y + 4;
  SHADES.forEach(([shade, words], i) => {
    const x = 8 + (i % 4) * 240;
    const ly = legendY + Math.floor(i / 4) * 16;
    body.push(
      rect({ x, y: ly - 9, width: 10, height: 10, fill: SHADE_FILL[shade], stroke: COLOUR.faint }),
      text(x + 14, ly, words.split(':')[0] ?? shade, { fill: COLOUR.ink }),
    );
  });
  return { body, heightPx: legendY + 30 - top };
}

/** What the LSN axis shows. */
export interface LsnView {
  readonly marks: LsnMarks;
  readonly allowed: Allowed;
  readonly outcome: Outcome;
  readonly violation: string | undefined;
}

/** The recovered LSN as the page shows it: a number, or "refused". */
export function recoveredLabel(outcome: Outcome): string {
  return 'state' in outcome ? String(outcome.state.lastLsn) : 'refused';
}

/** The window of LSNs the oracle allowed, as a green band (or, when it allowed no prefix, in words). */
function allowedWindow(allowed: Allowed, x: (lsn: number) => number, axisY: number): string[] {
  const body: string[] = [];
  if (allowed.prefix && !allowed.mustRefuse)
    body.push(
      group({ class: 'allowed-window' }, [
        `<title>${esc(`the oracle allowed S(${allowed.minLsn})..S(${allowed.maxLsn})${allowed.mayRefuse ? ' or CORRUPTED' : ''}`)}</title>`,
        rect({
          x: x(allowed.minLsn) - 8,
          y: axisY - 14,
          width: x(allowed.maxLsn) - x(allowed.minLsn) + 16,
          height: 28,
          rx: 6,
          fill: COLOUR.allowed,
        }),
        text(x(allowed.minLsn) - 8, axisY + 44, `allowed ${allowed.minLsn}..${allowed.maxLsn}`, {
          fill: COLOUR.ok,
        }),
      ]),
    );
  else
    body.push(
      text(
        x(0),
        axisY + 44,
        allowed.mustRefuse
          ? 'the oracle allowed only CORRUPTED (a refusal)'
          : 'the oracle allowed any state whose every value was once written (salvage)',
        { fill: COLOUR.ok },
      ),
    );
  return body;
}

/** The issued, acknowledged and promised-durable marks above the axis. */
function lsnFlags(marks: LsnMarks, x: (lsn: number) => number, axisY: number): string[] {
  const body: string[] = [];
  const flags: [string, number, string][] = [
    ['issued', marks.issued, COLOUR.operation],
    ['acked', marks.acked, COLOUR.ink],
    ['promised durable', marks.durable, COLOUR.ok],
  ];
  flags.forEach(([name, lsn, colour], i) => {
    body.push(
      line({ x1: x(lsn), y1: axisY - 6, x2: x(lsn), y2: axisY - 26 - i * 11, stroke: colour }),
      text(x(lsn) + 3, axisY - 26 - i * 11, `${name} ${lsn}`, { fill: colour, 'font-size': 10 }),
    );
  });
  return body;
}

/** The LSN axis: issued, acknowledged, durable, the allowed window, and what recovery returned. */
export function lsnAxis(
  view: LsnView,
  top: number,
  widthPx: number,
): { body: string[]; heightPx: number } {
  const { marks, allowed, outcome } = view;
  const got = 'state' in outcome ? outcome.state.lastLsn : undefined;
  const hi = Math.max(1, marks.issued, allowed.maxLsn, got ?? 0);
  const step = Math.min(120, (widthPx - LABEL_W - 80) / hi);
  const x = (lsn: number): number => LABEL_W + 20 + lsn * step;
  const axisY = top + 50;
  const body = [text(8, axisY + 4, 'LSN', { fill: COLOUR.ink, 'font-weight': 'bold' })];
  body.push(...allowedWindow(allowed, x, axisY));
  body.push(line({ x1: x(0), y1: axisY, x2: x(hi) + 10, y2: axisY, stroke: COLOUR.ink }));
  for (let l = 0; l <= hi; l++)
    body.push(
      line({ x1: x(l), y1: axisY - 3, x2: x(l), y2: axisY + 3, stroke: COLOUR.ink }),
      text(x(l), axisY + 16, String(l), {
        'text-anchor': 'middle',
        fill: COLOUR.faint,
        'font-size': 9,
      }),
    );
  body.push(...lsnFlags(marks, x, axisY));
  const recovered = recoveredLabel(outcome);
  const colour = view.violation === undefined ? COLOUR.ok : COLOUR.crash;
  const mark =
    got === undefined
      ? text(x(0), axisY + 30, 'recovery REFUSED (CORRUPTED)', {
          fill: colour,
          'font-weight': 'bold',
        })
      : `<path d="M ${x(got)} ${axisY - 7} l 7 7 l -7 7 l -7 -7 z" fill="${colour}"/>\n${text(x(got) - 8, axisY + 30, `recovered ${got}`, { fill: colour, 'font-weight': 'bold' })}`;
  body.push(
    group(
      {
        class: 'lsn-axis',
        'data-recovered-lsn': recovered,
        'data-allowed-min': allowed.minLsn,
        'data-allowed-max': allowed.maxLsn,
      },
      [mark],
    ),
  );
  return { body, heightPx: 110 };
}
