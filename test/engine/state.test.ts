// Tests for src/engine/state.ts: the tables are what spec/states.md prints, and refusals carry the
// phase's error code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/engine/errors.js';
import { resolveOptions } from '../../src/engine/options.js';
import { initialState } from '../../src/engine/recovery.js';
import {
  ALLOWED,
  TRANSITIONS,
  allow,
  enterFailed,
  transit,
  type Action,
  type Phase,
} from '../../src/engine/state.js';

const spec = readFileSync(new URL('../../spec/states.md', import.meta.url), 'utf8');
const rows = (header: string): string[][] =>
  spec
    .slice(spec.indexOf(header))
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| from') && !l.startsWith('| state'))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );

describe('the state machine', () => {
  it('has exactly the transitions spec/states.md lists', () => {
    const table = rows('## Transitions').slice(0, 11);
    const fromCode = Object.entries(TRANSITIONS).flatMap(([from, events]) =>
      Object.entries(events).map(([event, to]) => [from, event, to]),
    );
    expect(fromCode.sort()).toEqual(table.sort());
  });

  it('allows exactly what spec/states.md lists', () => {
    const actions: Action[] = ['read', 'write', 'maintain', 'sync', 'close'];
    for (const [phase, ...cells] of rows('## What each state allows').slice(0, 5)) {
      const allowed = actions.filter((_, i) => cells[i] === 'yes');
      expect(ALLOWED[phase as Phase], phase).toEqual(allowed);
    }
  });

  it("refuses with the phase's code, and raises INTERNAL on an illegal transition", () => {
    expect(() => allow('RECOVERING', 'write')).toThrow(
      expect.objectContaining({ code: 'READONLY' }),
    );
    expect(() => allow('COMPACTING', 'write')).not.toThrow();
    expect(() => allow('FAILED', 'write')).toThrow(expect.objectContaining({ code: 'FAILED' }));
    expect(() => allow('CLOSED', 'read')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    const s = initialState(resolveOptions());
    expect(() => transit(s, 'end-compaction')).toThrow(KvError);
    const failed = enterFailed(transit(s, 'recovered'));
    expect(failed.phase).toBe('FAILED');
    expect(enterFailed(failed)).toBe(failed);
  });
});
