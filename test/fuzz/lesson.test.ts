// The lesson (spec/lessons/write-your-own-engine.md) as a student runs it: the checker finds a violation
// in the first draft and none in the fixed engine; the page's code, story and picture are the repo's own.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFirstDraft, checkFixed, LESSON_SVG } from '../../fuzz/lessons/index.js';

const read = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const lesson = read('spec/lessons/write-your-own-engine.md');
const blocks = (lang: string): string[] =>
  [...lesson.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
    (m) => m[1] ?? '',
  );

describe('the lesson: write your own engine', () => {
  const draft = checkFirstDraft();

  it('finds the first draft acknowledging a write before its fsync', () => {
    expect(draft.ok).toBe(false);
    expect(draft.counterexample?.violation).toMatch(/outside the allowed 1\.\.1/);
    expect(draft.story?.join('\n')).toContain(
      'kvlab.wal       at the crash: 0..22 durable, 22..56 unsynced',
    );
    expect(draft.html).toContain('class="lsn-axis" data-recovered-lsn="0"');
  });

  it('passes the fixed engine', () => {
    const fixed = checkFixed();
    expect(fixed.ok, fixed.story?.join('\n')).toBe(true);
    expect(fixed.runs).toBe(300);
  });

  it('shows the story and the picture the checker gives today', () => {
    expect(blocks('text')).toEqual([`${(draft.story ?? []).join('\n')}\n`]);
    expect(read(LESSON_SVG), 'regenerate with kvlab bugs --docs').toBe(draft.svg);
    expect(lesson).toContain('](img/log-only-broken.svg)');
  });

  it('quotes code that is in the lesson files (or the Engine interface) word for word', () => {
    const sources = [
      'fuzz/lessons/log-only-broken.ts',
      'fuzz/lessons/log-only-fixed.ts',
      'src/engine/engine.ts',
    ].map(read);
    for (const block of blocks('ts').filter((b) => !b.includes("from 'kvlab/checker'")))
      expect(
        sources.some((s) => s.includes(block.trimEnd())),
        block,
      ).toBe(true);
  });
});
