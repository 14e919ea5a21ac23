// The model-based test: random command lists against the real shell on a simulated disk, with crashes
// at every step of every operation, I/O errors, short writes and damage, judged by the oracle
// (spec/guarantees.md); long histories too; and every B+ tree rebalancing case reached on the way.
import { describe, expect, it } from 'vitest';
import { ALL_FAULTS } from '../../model/commands/index.js';
import { modelProperty } from '../../model/property.js';
import { SHAPE_EVENTS, type ShapeCoverage } from '../../model/shapes.js';
import { checkProperty } from '../seed.js';

describe('the store against the Map model', () => {
  const shapes: ShapeCoverage = {};

  it('keeps every guarantee under random commands, crashes, I/O errors and damage', () => {
    const counters = { crashImages: 0, recoveries: 0, runs: 0, commands: 0, shapes };
    checkProperty(
      'model-based commands',
      modelProperty({ faults: ALL_FAULTS, counters, maxCommands: 25 }),
      { numRuns: 3000 },
    );
    console.log(
      `model-based: ${counters.runs} runs, ${counters.commands} commands, ${counters.crashImages} crash images, ${counters.recoveries} recoveries`,
    );
  });

  it('keeps every guarantee over long histories (deep trees, long logs, faults after faults)', () => {
    const counters = { crashImages: 0, recoveries: 0, runs: 0, commands: 0, shapes };
    checkProperty(
      'model-based long histories',
      modelProperty({ faults: ALL_FAULTS, counters, minCommands: 100, maxCommands: 300 }),
      { numRuns: 25 },
    );
    console.log(`long histories: ${counters.runs} runs, ${counters.commands} commands`);
    console.log(`tree shapes: ${JSON.stringify(shapes)}`);
    for (const event of SHAPE_EVENTS) expect(shapes[event] ?? 0, event).toBeGreaterThan(0);
  });
});
