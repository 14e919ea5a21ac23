// The few SVG primitives the story pictures are drawn with, and their colours. Plain strings, no DOM:
// the same markup goes inline into the HTML page and into the static .svg files of spec/bugs/.

import type { Shade } from './shade.js';

/** Text made safe for XML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Attributes, skipping undefined ones; numbers are rounded to 0.1 so output is stable. */
function attrs(a: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? Math.round(v * 10) / 10 : esc(v)}"`)
    .join('');
}

/** A rectangle, with an optional tooltip (an SVG <title>, shown on hover even without JS). */
export function rect(
  a: Readonly<Record<string, string | number | undefined>>,
  tooltip?: string,
): string {
  return tooltip === undefined
    ? `<rect${attrs(a)}/>`
    : `<rect${attrs(a)}><title>${esc(tooltip)}</title></rect>`;
}

/** A line. */
export function line(a: Readonly<Record<string, string | number | undefined>>): string {
  return `<line${attrs(a)}/>`;
}

/** Text at (x, y). */
export function text(
  x: number,
  y: number,
  content: string,
  a: Readonly<Record<string, string | number | undefined>> = {},
): string {
  return `<text${attrs({ x, y, ...a })}>${esc(content)}</text>`;
}

/** A group with attributes (class, data-*) around its children. */
export function group(
  a: Readonly<Record<string, string | number | undefined>>,
  children: readonly string[],
): string {
  return `<g${attrs(a)}>\n${children.join('\n')}\n</g>`;
}

/** A whole SVG document of the given size. */
export function svgDocument(
  widthPx: number,
  heightPx: number,
  title: string,
  body: readonly string[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(widthPx)}" height="${Math.ceil(heightPx)}" viewBox="0 0 ${Math.ceil(widthPx)} ${Math.ceil(heightPx)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="11">`,
    `<title>${esc(title)}</title>`,
    rect({ x: 0, y: 0, width: Math.ceil(widthPx), height: Math.ceil(heightPx), fill: '#ffffff' }),
    ...body,
    '</svg>',
  ].join('\n');
}

/** The fill of each byte shade. `lost` is drawn hollow, with a dashed outline. */
export const SHADE_FILL: Readonly<Record<Shade, string>> = {
  durable: '#2e7d32',
  unsynced: '#f9a825',
  'in-flight': '#1e88e5',
  kept: '#9ccc65',
  lost: '#ffffff',
  torn: '#8e24aa',
  zeroed: '#9e9e9e',
  garbage: '#d81b60',
};

/** Colours of the timeline. */
export const COLOUR = {
  crash: '#d50000',
  open: '#607d8b',
  operation: '#1565c0',
  recovery: '#6a1b9a',
  failed: '#d50000',
  entryDurable: '#37474f',
  entryPending: '#f9a825',
  allowed: '#c8e6c9',
  ok: '#2e7d32',
  ink: '#212121',
  faint: '#9e9e9e',
} as const;

/** Words wrapped into lines of at most `width` characters (a word longer than that gets a line of its own). */
export function wrap(words: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of words.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') lines.push(current);
  return lines;
}
