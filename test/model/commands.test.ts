// The model-based test: random command lists against the Store on a simulated disk, with crashes at
// every step of every operation, I/O errors and damage, judged by the oracle (spec/guarantees.md).
import { describe, it } from 'vitest';
import { ALL_FAULTS } from '../../model/commands/index.js';
import { modelProperty } from '../../model/property.js';
import { checkProperty } from '../seed.js';

describe('the store against the Map model', () => {
  it('keeps every guarantee under random commands, crashes, I/O errors and damage', () => {
    const counters = { crashImages: 0, recoveries: 0, runs: 0, commands: 0 };
    checkProperty(
      'model-based commands',
      modelProperty({ faults: ALL_FAULTS, counters, maxCommands: 25 }),
      { numRuns: 3000 },
    );
    console.log(
      `model-based: ${counters.runs} runs, ${counters.commands} commands, ${counters.crashImages} crash images, ${counters.recoveries} recoveries`,
    );
  });
});
