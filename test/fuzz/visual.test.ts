// The pictures of a story, checked without a browser (test/browser/story.browser.mjs checks them in one):
// for every zoo variant and for a crash of the default engine, the page is self-contained and shows the
// crash line, every file's strip and the LSN axis with the replay's numbers; the bug pages and their SVGs
// regenerate byte for byte; the decoder's fields cover every byte of a file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord, encodeWalHeader } from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';
import { bugDocs, DOCS_RUNS, DOCS_SEED, svgPath } from '../../fuzz/bug-docs.js';
import { runCampaign } from '../../fuzz/campaign.js';
import type { Counterexample } from '../../fuzz/counterexample.js';
import { replay } from '../../fuzz/story.js';
import { fieldsOf } from '../../fuzz/visual/fields.js';
import { storyHtml } from '../../fuzz/visual/html.js';
import { anchorOf, GUARANTEE_HEADINGS, keyRecovery } from '../../fuzz/visual/page.js';
import { fates } from '../../fuzz/visual/shade.js';
import type { Trace } from '../../fuzz/visual/trace.js';
import { BUGS, type BugVariant } from '../../fuzz/zoo/index.js';
import { saveCounterexample } from '../../fuzz/counterexample.js';
import { kvlab } from '../cli/kvlab.js';
import { resolveOptions } from '../../src/engine/options.js';

/** The counterexample the bug pages show for `bug` (found with their seed and budget). */
function found(bug: BugVariant | undefined): Counterexample {
  if (bug === undefined) throw new Error('no such bug variant');
  const ce = runCampaign({
    seed: DOCS_SEED,
    runs: DOCS_RUNS,
    faults: bug.faults,
    bug,
  }).counterexample;
  if (ce === undefined) throw new Error(`${bug.name}: not found with seed ${DOCS_SEED}`);
  return ce;
}

/** The structure a person must find on the page, checked on the markup. */
function checkPage(trace: Trace, html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  // Self-contained: no script, style, image or font from anywhere else.
  expect(html).not.toMatch(/<(script|img|link)[^>]*(src|href)=/);
  const urls = new Set(html.match(/https?:\/\/[^"\s<]*/g) ?? []);
  expect([...urls]).toEqual(['http://www.w3.org/2000/svg']);
  const crash = trace.events.filter((e) => e.kind === 'crash');
  expect(html.split('class="crash-line"').length - 1).toBe(crash.length);
  const last = crash[crash.length - 1];
  if (last !== undefined)
    for (const f of fates(last.event))
      expect(html).toContain(`class="strip" data-file="${f.name}"`);
  const rec = keyRecovery(trace);
  if (rec === undefined) return;
  const outcome = rec.event.outcome;
  const recovered = 'state' in outcome ? String(outcome.state.lastLsn) : 'refused';
  expect(html).toContain(`class="lsn-axis" data-recovered-lsn="${recovered}"`);
  expect(html).toContain(`<span id="recovered-lsn">${recovered}</span>`);
  const { minLsn, maxLsn } = rec.event.allowed;
  expect(html).toContain(`id="allowed-window" data-min="${minLsn}" data-max="${maxLsn}"`);
  expect(html).toContain(`guarantees.md#${anchorOf(GUARANTEE_HEADINGS[rec.event.fault.kind])}`);
}

describe('the story page', () => {
  it.each(BUGS.map((b) => [b.name, b] as const))('shows the counterexample of %s', (_, bug) => {
    const { trace, violation } = replay(found(bug));
    expect(violation).toBeDefined();
    const html = storyHtml(trace);
    checkPage(trace, html);
    expect(html).toContain(`bugs/${bug.name}.md`);
    // Every variant's page shows bytes: at a crash, or before a reopen, an I/O error or damage.
    expect(html).toContain('class="strip" data-file="kvlab.wal"');
    expect(html).toContain('class="verdict bad"');
  });

  it('shows a crash of the default engine that broke nothing', () => {
    const ce: Counterexample = {
      format: 'kvlab-counterexample/1',
      bug: null,
      options: resolveOptions({}),
      commands: [
        { type: 'put', key: 'a', value: '1' },
        {
          type: 'crash',
          op: { kind: 'put', key: 'b', value: '2' },
          atStep: 0,
          spec: { model: 'kill', cut: 'half' },
          recoveryCrashStep: undefined,
        },
      ],
      violation: '',
      found: { by: 'model-based', seed: 0, runs: 1, elapsedMs: 0 },
    };
    const { trace, violation, lines } = replay(ce);
    expect(violation).toBeUndefined();
    const html = storyHtml(trace);
    checkPage(trace, html);
    expect(html).toContain('class="verdict good"');
    expect(html).toContain('data-recovered-lsn="1"');
    expect(html).toContain('byte-torn');
    // The story narrates the open, the operation's steps and recovery's.
    expect(lines.join('\n')).toMatch(/open step 0: create kvlab\.wal\.tmp/);
    expect(lines.join('\n')).toMatch(
      /crash at step 0 \(append kvlab\.wal @\d+ \+\d+\), while it was in flight/,
    );
    expect(lines.join('\n')).toMatch(/recovery step 0: truncate kvlab\.wal/);
  });
});

describe('the trace', () => {
  it('records each syscall under the plan step that issued it: a short write is two writes', () => {
    const ce: Counterexample = {
      format: 'kvlab-counterexample/1',
      bug: null,
      options: resolveOptions({}),
      commands: [
        {
          type: 'short-write',
          op: { kind: 'put', key: 'a', value: 'value' },
          atStep: 0,
          writtenBytes: 3,
        },
      ],
      violation: '',
      found: { by: 'model-based', seed: 0, runs: 1, elapsedMs: 0 },
    };
    const { trace, violation, lines } = replay(ce);
    expect(violation).toBeUndefined();
    const steps = trace.events.flatMap((e) =>
      e.kind === 'step' && e.command === 0 && e.phase === 'operation' ? [e] : [],
    );
    // The append's one plan step became two write calls, both told as plan step 0; then the fsync.
    expect(steps.map((e) => [e.step.kind, e.plan?.index])).toEqual([
      ['append', 0],
      ['append', 0],
      ['fsync', 1],
    ]);
    const story = lines.join('\n');
    expect(story).toMatch(
      /step 0: append kvlab\.wal @22 \+3 \(part of plan step 0: append kvlab\.wal @22 \+\d+\)/,
    );
    expect(story).toMatch(/step 1: append kvlab\.wal @25 \+\d+ \(part of plan step 0/);
    expect(story).toMatch(/step 2: fsync kvlab\.wal\n/);
  });
});

describe('kvlab replay --html', () => {
  it('writes the page, linking the spec folder of the package, and still tells the story', () => {
    const ce = found(BUGS.find((b) => b.name === 'no-log-fsync'));
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-html-'));
    try {
      saveCounterexample(join(dir, 'ce.json'), ce);
      const r = kvlab(['replay', join(dir, 'ce.json'), '--html', join(dir, 'story.html')]);
      expect(r.code).toBe(6);
      expect(r.stdout).toContain(`wrote ${join(dir, 'story.html')}`);
      expect(r.stdout).toContain('>>> VIOLATION');
      const html = readFileSync(join(dir, 'story.html'), 'utf8');
      const href = /id="bug-link" href="([^"]+)"/.exec(html)?.[1] ?? '';
      expect(readFileSync(join(dir, href), 'utf8')).toContain('# no-log-fsync');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the bug pages', () => {
  it('regenerate byte for byte, each with its SVG', () => {
    for (const bug of BUGS) {
      const docs = bugDocs(bug);
      const dir = new URL('../../spec/bugs/', import.meta.url);
      expect(readFileSync(new URL(`${bug.name}.md`, dir), 'utf8'), bug.name).toBe(docs.page);
      expect(docs.page).toContain(`](${svgPath(bug)})`);
      expect(docs.svg?.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(readFileSync(new URL(svgPath(bug), dir), 'utf8'), svgPath(bug)).toBe(docs.svg);
      // Static: no script in a picture meant for GitHub.
      expect(docs.svg).not.toContain('<script');
    }
  });

  it('link only to headings spec/guarantees.md has', () => {
    const spec = readFileSync(new URL('../../spec/guarantees.md', import.meta.url), 'utf8');
    for (const heading of Object.values(GUARANTEE_HEADINGS))
      expect(spec).toContain(`## ${heading}\n`);
    expect(anchorOf('After an I/O error (EIO, ENOSPC on any write, fsync, rename…)')).toBe(
      'after-an-io-error-eio-enospc-on-any-write-fsync-rename',
    );
  });
});

describe('the fields of a file', () => {
  it('cover every byte of a log, in order, cut at the record layout, a torn tail included', () => {
    const rec1 = encodeRecord(1, [{ op: 'put', key: 'k', value: 'value' }]);
    const rec2 = encodeRecord(2, [
      { op: 'put', key: 'a', value: '1' },
      { op: 'del', key: 'b' },
    ]);
    const whole = new Uint8Array([...encodeWalHeader(0), ...rec1, ...rec2.subarray(0, 10)]);
    const fields = fieldsOf(FILES.wal, whole);
    let at = 0;
    for (const f of fields) {
      expect(f.start).toBe(at);
      expect(f.end).toBeGreaterThan(f.start);
      at = f.end;
    }
    expect(at).toBe(whole.length);
    // The layout `kvlab inspect --hex` prints (src/engine/layout.ts), not a second cutting of our own.
    expect(fields.map((f) => f.name).slice(0, 13)).toEqual([
      'magic',
      'version',
      'baseLsn',
      'crc',
      'marker',
      'crc',
      'length',
      'lsn',
      'syncedLsn',
      'type',
      'keyLength',
      'key',
      'value',
    ]);
    expect(fields[fields.length - 1]?.detail).toMatch(/: dropped = dropped: /);
    expect(fields.find((f) => f.name === 'value')?.detail).toBe(
      'record LSN 1 @22: value = "value"',
    );
  });
});
