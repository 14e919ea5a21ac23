// `kvlab replay FILE --html OUT.html`: one self-contained page (inline SVG, CSS and a few lines of JS;
// nothing from a network) with the story's picture, a hover panel for the bytes, the table of the first
// difference between what recovery returned and what the oracle allowed, the story as text, and links
// to the broken row of spec/guarantees.md and the bug's page.

import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tell } from '../story.js';
import { recoveredLabel } from './bytes-view.js';
import { anchorOf, GUARANTEE_HEADINGS, keyRecovery, storySvg, type PageLinks } from './page.js';
import { esc } from './svg.js';
import type { Trace } from './trace.js';

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #212121; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 6px; }
.verdict { padding: 8px 12px; border-radius: 6px; margin: 8px 0 12px; font-weight: 600; }
.verdict.bad { background: #ffebee; color: #b71c1c; border: 1px solid #e57373; }
.verdict.good { background: #e8f5e9; color: #1b5e20; border: 1px solid #81c784; }
.picture { overflow-x: auto; border: 1px solid #e0e0e0; border-radius: 6px; padding: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
td, th { border: 1px solid #e0e0e0; padding: 4px 10px; text-align: left; font-family: monospace; }
th { background: #fafafa; }
pre { background: #fafafa; border: 1px solid #e0e0e0; padding: 10px; overflow-x: auto; font-size: 12px; }
#hover { position: fixed; right: 16px; bottom: 16px; max-width: 520px; background: #263238; color: #eceff1;
  font: 12px/1.4 monospace; padding: 8px 10px; border-radius: 6px; white-space: pre-wrap; display: none; }
.field:hover rect { opacity: 0.8; }
`;

/** Hover over a field of a byte strip: show its range, hex and decoding in a panel. */
const JS = `
(function () {
  var panel = document.getElementById('hover');
  document.querySelectorAll('.field').forEach(function (g) {
    g.addEventListener('mouseenter', function () {
      panel.textContent = g.getAttribute('data-range') + '  ' + g.getAttribute('data-field') +
        '\\nhex: ' + g.getAttribute('data-hex') + '\\n' + g.getAttribute('data-detail');
      panel.style.display = 'block';
    });
    g.addEventListener('mouseleave', function () { panel.style.display = 'none'; });
  });
})();
`;

function differenceTable(trace: Trace): string {
  const rec = keyRecovery(trace);
  if (rec === undefined) return '<p>No recovery ran: there is nothing to compare.</p>';
  const { allowed, outcome, violation } = rec.event;
  const window = allowed.mustRefuse
    ? 'only CORRUPTED'
    : allowed.prefix
      ? `S(${allowed.minLsn})..S(${allowed.maxLsn})${allowed.mayRefuse ? ' or CORRUPTED' : ''}`
      : 'salvage: any state whose values were once written';
  const d = rec.verdict.difference;
  const rows = [
    ['recovered LSN', `<span id="recovered-lsn">${esc(recoveredLabel(outcome))}</span>`],
    [
      'allowed',
      `<span id="allowed-window" data-min="${allowed.minLsn}" data-max="${allowed.maxLsn}">${esc(window)}</span>`,
    ],
    [
      'nearest allowed state',
      esc(rec.verdict.nearestLsn === undefined ? '-' : `S(${rec.verdict.nearestLsn})`),
    ],
    ['verdict', esc(violation ?? 'allowed')],
  ];
  const diff =
    d === undefined
      ? violation !== undefined && rec.verdict.nearest !== undefined && 'state' in outcome
        ? '<p>No key differs: the recovered state holds the same keys and values as the nearest allowed one. What is wrong is the LSN recovery stopped at (see the LSN axis).</p>'
        : '<p>No key differs from the nearest allowed state.</p>'
      : `<table id="first-difference"><tr><th>key</th><th>recovered</th><th>allowed</th></tr><tr><td>${esc(JSON.stringify(d.key))}</td><td>${esc(d.recovered)}</td><td>${esc(d.allowed)}</td></tr></table>`;
  return `<table id="verdict">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>\n<h2>First difference</h2>\n${diff}`;
}

function links(trace: Trace, to: PageLinks): string {
  const rec = keyRecovery(trace);
  const out: string[] = [];
  if (rec !== undefined) {
    const heading = GUARANTEE_HEADINGS[rec.event.fault.kind];
    out.push(
      `<a id="guarantee-link" href="${esc(`${to.specHref}/guarantees.md#${anchorOf(heading)}`)}">the guarantee: ${esc(heading)}</a>`,
    );
  }
  if (trace.bug !== undefined)
    out.push(
      `<a id="bug-link" href="${esc(`${to.specHref}/bugs/${trace.bug.name}.md`)}">the bug: ${esc(trace.bug.name)}</a>`,
    );
  return out.length === 0 ? '' : `<p>${out.join(' · ')}</p>`;
}

/** The whole page. Deterministic: the same counterexample gives the same bytes. */
export function storyHtml(trace: Trace, to: PageLinks = { specHref: 'spec' }): string {
  const bad = trace.violation !== undefined;
  const engine =
    trace.bug === undefined ? trace.engineName : `${trace.engineName}: ${trace.bug.summary}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kvlab replay: ${esc(engine)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>kvlab replay: ${esc(engine)}</h1>
<div class="verdict ${bad ? 'bad' : 'good'}">${esc(bad ? `VIOLATION: ${trace.violation}` : 'every guarantee held')}</div>
${links(trace, to)}
<div class="picture">
${storySvg(trace)}
</div>
<h2>What recovery returned, against what was allowed</h2>
${differenceTable(trace)}
<h2>The story</h2>
<pre>${esc(tell(trace).join('\n'))}</pre>
<div id="hover"></div>
<script>${JS}</script>
</body>
</html>
`;
}

/** Write the page to `out`, its links relative to the spec/ folder at `spec`. */
export function writeStoryPage(trace: Trace, out: string, spec: URL): void {
  const specHref = relative(dirname(resolve(out)), fileURLToPath(spec))
    .split('\\')
    .join('/');
  writeFileSync(out, storyHtml(trace, { specHref }));
}
