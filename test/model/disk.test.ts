// Tests for model/disk.ts and model/crash.ts: the simulated disk keeps durable bytes apart from the page
// cache, and each crash model yields exactly the images its fault model says.
import { describe, expect, it } from 'vitest';
import { crashImage, cutBytes } from '../../model/crash.js';
import {
  applyStep,
  damage,
  EMPTY_DISK,
  failedStep,
  garbage,
  killImage,
  listing,
  powerImage,
  readFile,
  syscallOf,
  type Disk,
  type PowerChoices,
} from '../../model/disk.js';
import type { Step } from '../../src/engine/plan.js';

const bytes = (...b: number[]) => new Uint8Array(b);
const run = (disk: Disk, ...steps: Step[]) => steps.reduce(applyStep, disk);
const all = (
  keep: boolean,
  fate: ReturnType<PowerChoices['writeFate']> = { kind: keep ? 'keep' : 'drop' },
): PowerChoices => ({
  writeFate: () => fate,
  truncateSurvives: () => keep,
  dirOpSurvives: () => keep,
});

describe('the simulated disk', () => {
  const created = run(
    EMPTY_DISK,
    { kind: 'create', file: 'f' },
    { kind: 'append', file: 'f', offsetBytes: 0, data: bytes(1, 2, 3) },
  );

  it('reads what was written, before any fsync', () => {
    expect(listing(created)).toEqual(['f']);
    expect(readFile(created, 'f')).toEqual(bytes(1, 2, 3));
    expect(() =>
      applyStep(created, { kind: 'append', file: 'f', offsetBytes: 1, data: bytes(9) }),
    ).toThrow(/holds 3 bytes/);
    expect(() => applyStep(created, { kind: 'fsync', file: 'nope' })).toThrow(/no file/);
  });

  it('keeps everything on kill, and only fsynced data and entries for sure on power loss', () => {
    expect(readFile(killImage(created), 'f')).toEqual(bytes(1, 2, 3));
    // A kill makes nothing durable: the page cache lives on, and a later power loss can still lose it.
    expect(listing(powerImage(killImage(created), all(false)))).toEqual([]);
    const killedThenPower = crashImage(killImage(created), undefined, {
      model: 'power',
      writes: 'drop',
      dirOps: 'keep',
      seed: 0,
    });
    expect(readFile(killedThenPower, 'f')).toEqual(bytes());
    expect(listing(powerImage(created, all(false)))).toEqual([]); // the create was never made durable
    const synced = run(
      created,
      { kind: 'fsync', file: 'f' },
      { kind: 'fsyncDir' },
      { kind: 'append', file: 'f', offsetBytes: 3, data: bytes(4, 5) },
    );
    expect(readFile(powerImage(synced, all(false)), 'f')).toEqual(bytes(1, 2, 3));
    expect(readFile(powerImage(synced, all(true)), 'f')).toEqual(bytes(1, 2, 3, 4, 5));
    expect(readFile(powerImage(synced, all(true, { kind: 'zeros' })), 'f')).toEqual(
      bytes(1, 2, 3, 0, 0),
    );
    expect(readFile(powerImage(synced, all(true, { kind: 'cut', bytes: 1 })), 'f')).toEqual(
      bytes(1, 2, 3, 4),
    );
    expect(readFile(powerImage(synced, all(true, { kind: 'garbage', seed: 7 })), 'f')).toEqual(
      bytes(1, 2, 3, ...garbage(2, 7)),
    );
  });

  it('leaves a hole where a lost write lies below a kept one', () => {
    const base = run(created, { kind: 'fsync', file: 'f' }, { kind: 'fsyncDir' });
    const two = run(
      base,
      { kind: 'append', file: 'f', offsetBytes: 3, data: bytes(4) },
      { kind: 'append', file: 'f', offsetBytes: 4, data: bytes(5) },
    );
    const choices: PowerChoices = {
      ...all(true),
      writeFate: (_, i) => (i === 0 ? { kind: 'drop' } : { kind: 'keep' }),
    };
    expect(readFile(powerImage(two, choices), 'f')).toEqual(bytes(1, 2, 3, 0, 5));
  });

  it('rolls back an unsynced rename, and skips a rename whose source rolled back', () => {
    const base = run(created, { kind: 'fsync', file: 'f' }, { kind: 'fsyncDir' });
    const renamed = run(base, { kind: 'rename', from: 'f', to: 'g' });
    expect(listing(renamed)).toEqual(['g']);
    expect(listing(powerImage(renamed, all(false)))).toEqual(['f']);
    expect(listing(powerImage(renamed, all(true)))).toEqual(['g']);
    const fresh = run(
      EMPTY_DISK,
      { kind: 'create', file: 't' },
      { kind: 'fsync', file: 't' },
      { kind: 'rename', from: 't', to: 'u' },
    );
    const onlyRename: PowerChoices = { ...all(true), dirOpSurvives: (i) => i === 1 };
    expect(listing(powerImage(fresh, onlyRename))).toEqual([]);
  });

  it('tears an append in flight at each cut under kill, and leaves other steps atomic', () => {
    const append: Step = { kind: 'append', file: 'f', offsetBytes: 3, data: bytes(4, 5, 6, 7) };
    const write = syscallOf(created, append);
    expect(readFile(crashImage(created, write, { model: 'kill', cut: 'half' }), 'f')).toEqual(
      bytes(1, 2, 3, 4, 5),
    );
    expect(readFile(crashImage(created, write, { model: 'kill', cut: 'none' }), 'f')).toEqual(
      bytes(1, 2, 3),
    );
    const rename = syscallOf(created, { kind: 'rename', from: 'f', to: 'g' });
    expect(listing(crashImage(created, rename, { model: 'kill', cut: 'all' }))).toEqual(['g']);
    expect(listing(crashImage(created, rename, { model: 'kill', cut: 'half' }))).toEqual(['f']);
    expect([0, 1, 2, 3, 4].map((n) => cutBytes('all-but-one', n))).toEqual([0, 0, 1, 2, 3]);
  });

  it('fails a step: an append may leave a prefix, an fsync loses the unsynced writes, anything else nothing; damage flips or zeroes durable bytes', () => {
    const append: Step = { kind: 'append', file: 'f', offsetBytes: 3, data: bytes(4, 5, 6) };
    expect(readFile(failedStep(created, append, 2), 'f')).toEqual(bytes(1, 2, 3, 4, 5));
    expect(readFile(failedStep(created, append, 99), 'f')).toEqual(bytes(1, 2, 3, 4, 5)); // never all of it
    // fsyncgate: a failed fsync drops the unsynced writes; a retry then has nothing left to sync.
    expect(readFile(failedStep(created, { kind: 'fsync', file: 'f' }, 0), 'f')).toEqual(bytes());
    expect(failedStep(created, { kind: 'rename', from: 'f', to: 'g' }, 5)).toBe(created);
    expect(readFile(damage(created, 'f', 1, { xor: 0xff }), 'f')).toEqual(bytes(1, 0xfd, 3));
    expect(readFile(damage(created, 'f', 1, { zeroBytes: 9 }), 'f')).toEqual(bytes(1, 0, 0));
  });
});

describe('appends', () => {
  it('leave every older disk as it was, also when two disks append to one common past', () => {
    const append = (disk: Disk, ...data: number[]): Disk => {
      const size = readFile(disk, 'f')?.length ?? 0;
      return run(disk, { kind: 'append', file: 'f', offsetBytes: size, data: bytes(...data) });
    };
    const base = append(run(EMPTY_DISK, { kind: 'create', file: 'f' }), 1, 2);
    const left = append(base, 3);
    const right = append(base, 4, 5);
    const leftMore = append(left, 6);
    const synced = run(leftMore, { kind: 'fsync', file: 'f' }, { kind: 'fsyncDir' });
    const after = append(synced, 7);
    expect(readFile(base, 'f')).toEqual(bytes(1, 2));
    expect(readFile(left, 'f')).toEqual(bytes(1, 2, 3));
    expect(readFile(right, 'f')).toEqual(bytes(1, 2, 4, 5));
    expect(readFile(leftMore, 'f')).toEqual(bytes(1, 2, 3, 6));
    expect(readFile(after, 'f')).toEqual(bytes(1, 2, 3, 6, 7));
    // The durable bytes a power loss keeps are those of the fsync, not the append after it.
    expect(readFile(powerImage(after, all(false)), 'f')).toEqual(bytes(1, 2, 3, 6));
    // A long file (appended in place past 4 KiB): each append lands after the last, through many
    // growths of the room behind it, and two disks appending to one long past keep their own bytes.
    let disk = base;
    for (let i = 0; i < 300; i++) disk = append(disk, ...new Array<number>(64).fill(i & 0xff));
    const long = readFile(disk, 'f')?.slice();
    expect(long?.length).toBe(2 + 300 * 64);
    expect(long?.[2 + 299 * 64]).toBe(299 & 0xff);
    const one = append(disk, 1);
    const two = append(disk, 2, 2);
    expect(readFile(one, 'f')?.subarray(-2)).toEqual(bytes(299 & 0xff, 1));
    expect(readFile(two, 'f')?.subarray(-3)).toEqual(bytes(299 & 0xff, 2, 2));
    expect(readFile(disk, 'f')).toEqual(long);
    expect(readFile(base, 'f')).toEqual(bytes(1, 2));
  });
});
