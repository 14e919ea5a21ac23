// Tests for fuzz/: a campaign on kvlab finds nothing and covers every step; counterexamples save, load,
// minimize and replay with a story; the guarantee table is the committed one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchSeed, runCampaign } from '../../fuzz/campaign.js';
import {
  loadCounterexample,
  saveCounterexample,
  type Counterexample,
} from '../../fuzz/counterexample.js';
import { minimize, violationOf } from '../../fuzz/minimize.js';
import { replay } from '../../fuzz/story.js';
import { guaranteeTable, TABLE_FILE } from '../../fuzz/table.js';
import { findBug } from '../../fuzz/zoo/index.js';
import { ALL_FAULTS } from '../../model/commands/index.js';
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
      compactWrites: 2,
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
      /kvlab.wal +at the crash: 0..20 durable, 20..\d+ unsynced; after the reboot: 20 of \d+ bytes: 20..\d+ LOST/,
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
