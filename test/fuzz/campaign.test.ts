// Tests for fuzz/: a campaign on kvlab finds nothing and covers every step; counterexamples save, load,
// minimize and replay with a story; the guarantee table is the committed one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchSeed, runCampaign } from '../../fuzz/campaign.js';
import {
  loadCounterexample,
  saveCounterexample,
  type Counterexample,
} from '../../fuzz/counterexample.js';
import { minimize, UnreplayableCounterexample, violationOf } from '../../fuzz/minimize.js';
import { replay } from '../../fuzz/story.js';
import { guaranteeTable, TABLE_FILE } from '../../fuzz/table.js';
import { findBug } from '../../fuzz/zoo/index.js';
import { ALL_FAULTS } from '../../model/commands/index.js';
import { imbalancedSteps } from '../../model/coverage.js';
import { checkEveryStep, EveryStepViolation } from '../../model/every-step.js';
import { runCommands } from '../../model/property.js';
import type { FileSystem } from '../../src/io/fs.js';
import { StaleSizeRunner } from '../model/mutants.js';
import { runSeed } from '../seed.js';

describe('campaigns', () => {
  it('find nothing on kvlab, and hit every step of every plan', () => {
    const seed = runSeed();
    console.log(`[seed] campaign: seed=${seed} (rerun: kvlab fuzz --seed ${seed} --runs 600)`);
    const report = runCampaign({ seed, runs: 600, faults: ALL_FAULTS });
    expect(report.counterexample, report.counterexample?.violation).toBeUndefined();
    expect(report.runs).toBe(600);
    for (const op of ['put', 'del', 'batch', 'snapshot', 'compact', 'open'])
      expect(Object.keys(report.coverage[op] ?? {}).length, op).toBeGreaterThan(1);
    expect(report.crashImages).toBeGreaterThan(1000);
    // sync()'s and close()'s own short plans are crashed as often as the rest; a short campaign may
    // still flag a rare path, which it prints: the last slice of a compaction, finished inside a write
    // or inside close() (its tmp files' fsyncs, renames and directory fsyncs).
    console.log(
      `crash points hit far less than the rest: ${report.imbalanced.join('; ') || 'none'}`,
    );
    const compactionEnd = /\.tmp|fsync-dir/;
    const own = report.imbalanced.filter((l) => /^(sync|close) /.test(l) && !compactionEnd.test(l));
    expect(own).toEqual([]);
  });

  it('flag crash points hit far less often than the rest', () => {
    const coverage = {
      put: { '0: append kvlab.wal': 5000, '1: fsync kvlab.wal': 4000, '2: after the last step': 3 },
      sync: { '0: fsync kvlab.wal': 26, '1: after the last step': 4000 },
    };
    expect(imbalancedSteps(coverage)).toEqual(['sync 0: fsync kvlab.wal (26 hits, median 4000)']);
  });

  it('report a violation found while an every-step history is built like any other', () => {
    // A runner mistake that breaks the first put after a compaction: found while the history is built.
    const system = { runner: (fs: FileSystem, dir: string) => new StaleSizeRunner(fs, dir) };
    let found: unknown;
    try {
      checkEveryStep({ histories: 20, seed: 1, crash: 'kill', sync: 'always', system });
    } catch (e) {
      found = e;
    }
    expect(found).toBeInstanceOf(EveryStepViolation);
    if (found instanceof EveryStepViolation)
      expect(() => runCommands(system, found.options, found.commands)).toThrow(/append at/);
  });

  it('split a campaign into shards with different seeds, and stop on a run budget', () => {
    expect(batchSeed(1, 0, 0)).not.toBe(batchSeed(1, 1, 0));
    expect(batchSeed(1, 0, 0)).not.toBe(batchSeed(1, 0, 1));
    expect(batchSeed(1, 0, 0)).toBe(batchSeed(1, 0, 0));
    const half = runCampaign({
      seed: 1,
      runs: 100,
      faults: { crash: 'none', ioError: false, damage: false },
      shard: { index: 1, count: 2 },
    });
    expect(half.runs).toBe(50);
    expect(() => runCampaign({ seed: 1, faults: ALL_FAULTS })).toThrow(/--time or --runs/);
  });
});

describe('counterexamples', () => {
  const ce: Counterexample = {
    format: 'kvlab-counterexample/1',
    bug: 'compact-before-apply',
    options: {
      sync: 'always',
      recovery: 'tolerate-tail',
      compactWalBytes: 1000,
      compactWalPercent: 50,
      compactWrites: 2,
      compactSliceBytes: 64 * 1024,
      keyBytesMax: 64,
      valueBytesMax: 64,
      batchOpsMax: 8,
      treeOrder: 3,
    },
    commands: [
      { type: 'get', key: 'z' },
      { type: 'put', key: 'a', value: 'x' },
      { type: 'sync' },
      { type: 'put', key: 'a', value: 'y' },
      { type: 'reopen' },
    ],
    violation: 'unknown yet',
    found: { by: 'model-based', seed: 1, runs: 1, elapsedMs: 0 },
  };

  it('reproduce, minimize to what is needed, and tell their story', () => {
    expect(violationOf(ce, ce.commands)).toMatch(/not S\(2\)/);
    const small = minimize(ce);
    expect(small.commands).toEqual([
      { type: 'put', key: 'a', value: 'x' },
      { type: 'put', key: 'a', value: 'y' },
      { type: 'reopen' },
    ]);
    const story = replay(small);
    expect(story.violation).toMatch(/not S\(2\)/);
    expect(story.lines.join('\n')).toContain(
      '>>> first difference: key "a": recovered "x", allowed "y"',
    );
    expect(replay({ ...small, bug: null }).violation).toBeUndefined(); // kvlab itself passes
    // A counterexample that does not reproduce is a defect of the checker, never saved.
    expect(() => minimize({ ...ce, bug: null })).toThrow(UnreplayableCounterexample);
  });

  it('save and load, and refuse files that are not counterexamples', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-ce-'));
    try {
      const file = join(dir, 'ce.json');
      saveCounterexample(file, ce);
      expect(loadCounterexample(file)).toEqual(ce);
      saveCounterexample(file, { ...ce, format: 'other' } as unknown as Counterexample);
      expect(() => loadCounterexample(file)).toThrow(/not a kvlab-counterexample/);
      expect(() => loadCounterexample(join(dir, 'missing.json'))).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replay damage-false-alarm.json clean: damage is judged by the bytes that changed', () => {
    const alarm = loadCounterexample(
      fileURLToPath(new URL('../fixtures/damage-false-alarm.json', import.meta.url)),
    );
    expect(replay(alarm).violation).toBeUndefined();
  });

  it('tell what a crash did to each file', () => {
    const crash: Counterexample = {
      ...ce,
      bug: 'no-log-fsync',
      commands: [
        {
          type: 'crash',
          op: { kind: 'put', key: 'a', value: 'x' },
          atStep: 1,
          spec: { model: 'power', writes: 'drop', dirOps: 'keep', seed: 0 },
          recoveryCrashStep: undefined,
        },
      ],
    };
    const text = replay(crash).lines.join('\n');
    expect(text).toContain('the operation returned, then the process died: power (writes: drop');
    expect(text).toMatch(
      /kvlab.wal +at the crash: 0..22 durable, 22..\d+ unsynced; after the reboot: 22 of \d+ bytes: 22..\d+ LOST/,
    );
    expect(findBug('no-such-bug')).toBeUndefined();
  });
});

describe('the guarantee table', () => {
  it('is the committed spec/guarantee-table.md (regenerate with npm run table)', () => {
    const committed = readFileSync(new URL(`../../${TABLE_FILE}`, import.meta.url), 'utf8');
    expect(guaranteeTable()).toBe(committed);
  });
});
