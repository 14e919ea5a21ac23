// The real shell runs under the checker: a mistake put into the fs adapter, the plan runner, Store.close
// or recovery's fsyncs, through the same seams the bug zoo uses (model/system.ts's Shell), is found by
// the model-based commands and by the every-step checker, while kvlab itself passes the same runs.
import { describe, expect, it } from 'vitest';
import type { CommandData } from '../../model/commands/data.js';
import { checkEveryStep } from '../../model/every-step.js';
import { realAdapter, type Adapter } from '../../model/kernel.js';
import { runCommands } from '../../model/property.js';
import type { Shell } from '../../model/system.js';
import { ENGINE, type Engine } from '../../src/engine/engine.js';
import { errorMessage } from '../../src/engine/errors.js';
import { resolveOptions } from '../../src/engine/options.js';
import { transit, type SyncMode } from '../../src/engine/state.js';
import { adaptFs } from '../../src/io/fs.js';
import { Store } from '../../src/io/store.js';
import { runSeed } from '../seed.js';
import { StaleSizeRunner } from './mutants.js';

const optionsFor = (sync: SyncMode) =>
  resolveOptions({ sync, recovery: 'tolerate-tail', treeOrder: 3, compactWrites: 1000 });

/** The violation `commands` find on `shell`, or undefined. */
function found(shell: Shell, sync: SyncMode, commands: readonly CommandData[]): string | undefined {
  try {
    runCommands(shell, optionsFor(sync), commands);
  } catch (e) {
    return errorMessage(e);
  }
  return undefined;
}

/** The adapter, with an fsync error swallowed ("it will be retried later"). */
const swallowsFsyncErrors: Adapter = (kernel) => {
  const fs = realAdapter(kernel);
  return {
    ...fs,
    fsync(fd) {
      try {
        fs.fsync(fd);
      } catch {
        // The mistake: the error is dropped, and the write is acknowledged as durable.
      }
    },
  };
};

/** The adapter, finishing a short write at the offset it started from. */
const retriesAtWrongOffset: Adapter = (kernel) => ({
  ...adaptFs(kernel, () => kernel.lock()),
  write(fd, data, positionBytes) {
    let done = 0;
    while (done < data.length) {
      // The mistake: the rest is written at positionBytes, not positionBytes + done.
      done += kernel.writeSync(fd, data, done, data.length - done, positionBytes);
    }
  },
});

/** A Store whose close() lets go of the files without syncing what is pending. */
class CloseWithoutSync extends Store {
  override close(): void {
    if (this.stats().phase === 'CLOSED') return;
    this.io.close(); // The mistake: no sync first.
    this.state = transit(this.state, 'close');
  }
}

/** An engine whose recovery plans no fsync: what it read stays in the page cache only. */
const recoveryWithoutFsync: Engine = {
  ...ENGINE,
  recover(input, options) {
    const t = ENGINE.recover(input, options);
    return { ...t, plan: t.plan.filter((s) => s.kind !== 'fsync') };
  },
};

const put = (key: string, value: string): CommandData => ({ type: 'put', key, value });

describe('the real shell under the checker', () => {
  it('finds an fsync error swallowed by the adapter', () => {
    const commands: CommandData[] = [
      put('a', 'x'),
      {
        type: 'io-error',
        op: { kind: 'put', key: 'b', value: 'y' },
        atStep: 1,
        errno: 'EIO',
        writtenBytes: 0,
      },
    ];
    expect(found({}, 'always', commands)).toBeUndefined();
    expect(found({ adapter: swallowsFsyncErrors }, 'always', commands)).toMatch(/EIO at step 1/);
  });

  it('finds a short write finished at the wrong offset', () => {
    const commands: CommandData[] = [
      put('a', 'x'),
      {
        type: 'short-write',
        op: { kind: 'put', key: 'b', value: 'yy' },
        atStep: 0,
        writtenBytes: 3,
      },
      { type: 'reopen' },
    ];
    expect(found({}, 'always', commands)).toBeUndefined();
    expect(found({ adapter: retriesAtWrongOffset }, 'always', commands)).toMatch(
      /close, then reopen|CORRUPTED/,
    );
  });

  it('finds a stale file size in the runner', () => {
    const commands: CommandData[] = [put('a', 'x'), { type: 'compact' }, put('b', 'y')];
    expect(found({}, 'always', commands)).toBeUndefined();
    const stale: Shell = { runner: (fs, dir) => new StaleSizeRunner(fs, dir) };
    expect(found(stale, 'always', commands)).toMatch(/append at \d+ but the file holds \d+ bytes/);
  });

  it('finds a close() that does not sync, by a power loss right after it returns', () => {
    const commands: CommandData[] = [
      put('a', 'x'),
      {
        type: 'crash',
        op: { kind: 'close' },
        atStep: 9,
        spec: { model: 'power', writes: 'drop', dirOps: 'keep', seed: 0 },
      },
    ];
    expect(found({}, 'none', commands)).toBeUndefined();
    expect(found({ store: CloseWithoutSync }, 'none', commands)).toMatch(/outside the allowed 1/);
  });

  it('finds recovery skipping its fsync: a kill keeps unsynced data unsynced, and a power loss follows', () => {
    const commands: CommandData[] = [
      put('a', 'x'),
      { type: 'crash', op: { kind: 'sync' }, atStep: 0, spec: { model: 'kill', cut: 'none' } },
      {
        type: 'crash',
        op: { kind: 'sync' },
        atStep: 0,
        spec: { model: 'power', writes: 'drop', dirOps: 'keep', seed: 0 },
      },
    ];
    expect(found({}, 'none', commands)).toBeUndefined();
    expect(found({ engine: recoveryWithoutFsync }, 'none', commands)).toMatch(/^after power/);
  });

  it('finds each of these mistakes in the every-step checker too', () => {
    const seed = runSeed();
    console.log(`[seed] shell mutants, every step: seed=${seed}`);
    const mutants: [string, Shell, SyncMode, 'kill' | 'power' | 'all'][] = [
      ['close without sync', { store: CloseWithoutSync }, 'none', 'power'],
      ['recovery without fsync', { engine: recoveryWithoutFsync }, 'none', 'all'],
      ['stale size', { runner: (fs, dir) => new StaleSizeRunner(fs, dir) }, 'always', 'kill'],
    ];
    for (const [name, system, sync, crash] of mutants) {
      expect(
        () => checkEveryStep({ histories: 6, seed, crash, sync, system, crashRecovery: false }),
        name,
      ).toThrow();
    }
  });
});
