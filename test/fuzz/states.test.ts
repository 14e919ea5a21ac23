// spec/states.md's Mermaid diagram is the one generated from TRANSITIONS, and it and the page's table
// list exactly the transitions of the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statesMermaid, transitionList } from '../../fuzz/visual/states.js';

const page = readFileSync(new URL('../../spec/states.md', import.meta.url), 'utf8');

describe('the state diagram in spec/states.md', () => {
  it('is the block statesMermaid() generates from TRANSITIONS', () => {
    expect(page, `paste this block into spec/states.md:\n${statesMermaid()}`).toContain(
      statesMermaid(),
    );
  });

  it('draws exactly the transitions of the table, and of the code', () => {
    const block = /```mermaid\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const drawn = [...block.matchAll(/^ {4}(\w+) --> (\w+): ([\w-]+)$/gm)]
      .filter((m) => m[3] !== 'open')
      .map((m) => `${m[1]} ${m[3]} ${m[2]}`);
    const table = [
      ...page.matchAll(
        /^\| (RECOVERING|READY|COMPACTING|FAILED|CLOSED) \| ([\w-]+) \| (\w+) \|$/gm,
      ),
    ].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    const code = transitionList().map(([from, event, to]) => `${from} ${event} ${to}`);
    expect(drawn.sort()).toEqual(code.sort());
    expect(table.sort()).toEqual(code.sort());
    expect(code.length).toBeGreaterThan(0);
  });
});
