// The minimizer never trades the violation it was given for another kind, and keeps a visible data
// difference once the story has one.
import { describe, expect, it } from 'vitest';
import { minimize, violationKind } from '../../fuzz/minimize.js';
import { replay } from '../../fuzz/story.js';
import type { Counterexample } from '../../fuzz/counterexample.js';
import { resolveOptions } from '../../src/engine/options.js';

describe('violation kinds', () => {
  it('name the fault and the oracle phrase, not the numbers', () => {
    const a = violationKind(
      'after power (writes: garbage, dir ops: keep, seed 0): recovered to LSN 0, outside the allowed 1..1 (a write that was promised is lost, or one never issued appeared)',
    );
    const b = violationKind(
      'after power (writes: drop, dir ops: drop, seed 9): recovered to LSN 3, outside the allowed 4..5 (a write that was promised is lost, or one never issued appeared)',
    );
    const c = violationKind(
      'after kill (in-flight cut: half): recovered LSN 1, but the state is not S(1): key "a" holds "", expected "x"',
    );
    expect(a).toBe('power/outside the allowed');
    expect(b).toBe(a);
    expect(c).toBe('kill/but the state is not');
  });

  it('stay what they were through minimization, with the data difference kept', () => {
    const ce: Counterexample = {
      format: 'kvlab-counterexample/1',
      bug: 'no-log-fsync',
      options: resolveOptions({}),
      commands: [
        { type: 'put', key: 'a', value: '1' },
        { type: 'sync' },
        { type: 'get', key: 'a' },
        {
          type: 'crash',
          op: { kind: 'put', key: 'b', value: '2' },
          atStep: 1,
          spec: { model: 'power', writes: 'drop', dirOps: 'keep', seed: 0 },
          recoveryCrashStep: undefined,
        },
      ],
      violation: '',
      found: { by: 'model-based', seed: 0, runs: 1, elapsedMs: 0 },
    };
    const violation = replay(ce).violation ?? '';
    expect(violation).toContain('outside the allowed');
    const small = minimize({ ...ce, violation });
    expect(small.commands.map((c) => c.type)).toEqual(['crash']);
    expect(violationKind(small.violation)).toBe(violationKind(violation));
    expect(replay(small).lines.join('\n')).toContain('>>> first difference: key "b"');
  });
});
