// The exhaustive explorer (model/explore/): the default engine passes a small bound; the search is
// deterministic and its shards partition the last level; every bug-zoo variant is found at its
// minimal depth, with a counterexample `kvlab replay` reproduces; crash images are enumerated as
// stated; fingerprints ignore what cannot change a future.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run.js';
import { shortestCounterexample } from '../../fuzz/shortest.js';
import { replay } from '../../fuzz/story.js';
import { BUGS, findBug } from '../../fuzz/zoo/index.js';
import { encodeRecord, RECORD_HEADER_BYTES } from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';
import { crashImage } from '../../model/crash.js';
import { applyStep, EMPTY_DISK, syscallOf, type Disk } from '../../model/disk.js';
import {
  alphabet,
  defaultBounds,
  rawRecordValue,
  recordValue,
} from '../../model/explore/bounds.js';
import { explore } from '../../model/explore/explore.js';
import { diskInto, Hasher, modelInto } from '../../model/explore/fingerprint.js';
import { crashImages } from '../../model/explore/images.js';
import { KvModel } from '../../model/model.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvlab-explore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The depth at which each variant first breaks a guarantee, under boundsFor(bug) (every crash model,
 * crashes at every syscall, I/O errors; damage for the two variants only damage exposes). Breadth-first
 * search makes the found length the minimum within the bounds, and each is plain by hand: depth 1 needs
 * no argument (the empty history breaks nothing). compact-before-apply needs compactWrites = 2 writes,
 * the second crashing after its compaction; log-before-snapshot needs a write for the compaction to
 * lose; no-tail-cut needs a torn tail and then a write after it; trusting-snapshot-loader needs a
 * snapshot to damage; missing-pipe-is-eof needs two records in the log (a write, and one more that a
 * kill leaves unsynced, since a second clean write compacts) and damage to the first: three commands.
 * resync-into-values needs one torn write of the value that holds a record (the default alphabet's).
 */
const MINIMAL_DEPTH: Record<string, number> = {
  'compact-before-apply': 2,
  'log-before-snapshot': 2,
  'no-tail-cut': 2,
  'no-log-fsync': 1,
  'no-dir-fsync': 1,
  'trusting-snapshot-loader': 2,
  'missing-pipe-is-eof': 3,
  'fsync-retry': 1,
  'no-snapshot-fsync': 1,
  'append-assumed-atomic': 1,
  'write-after-rename': 1,
  'resync-into-values': 1,
};

/** A small bound for the tests that run a search more than once: one key, every fault. */
const SMALL = defaultBounds({ depth: 2, keys: ['a'], ops: ['put', 'del', 'compact', 'close'] });

describe('the explorer on the default engine', () => {
  it('finds no violation in any history of depth 1 with every fault, and counts what it did', () => {
    const report = explore({ bounds: defaultBounds({ depth: 1 }) });
    expect(report.finding).toBeUndefined();
    expect(report.stats.depth).toBe(1);
    expect(report.stats.crashImages).toBeGreaterThan(2000);
    expect(report.stats.judged).toBeLessThan(report.stats.crashImages);
    expect(report.stats.cappedPoints).toBe(0);
  });

  it('is deterministic: two runs with the same bounds give the same counts', () => {
    const bounds = SMALL;
    const counts = () => {
      const { stats } = explore({ bounds });
      return [stats.histories, stats.visited, stats.states, stats.crashImages, stats.judged];
    };
    const first = counts();
    expect(counts()).toEqual(first);
    expect(first[2]).toBeGreaterThan(10);
  });

  it('splits the last level between shards: disjoint parts that add up to the whole', () => {
    const bounds = SMALL;
    const whole = explore({ bounds }).stats;
    const lastLevel = (s: typeof whole) =>
      (s.perDepth[1]?.expanded ?? 0) - (s.perDepth[0]?.expanded ?? 0);
    const parts = [0, 1, 2].map((index) => explore({ bounds, shard: { index, count: 3 } }).stats);
    for (const part of parts) {
      expect(part.perDepth[0]).toMatchObject({ histories: whole.perDepth[0]?.histories });
      expect(part.histories).toBeLessThan(whole.histories);
    }
    // The work is split (five states at depth 1 here: a part may draw none of them by its hash).
    expect(parts.filter((p) => lastLevel(p) > 0).length).toBeGreaterThanOrEqual(2);
    expect(parts.reduce((a, p) => a + lastLevel(p), 0)).toBe(lastLevel(whole));
  });

  it('puts a value whose UTF-8 bytes are a record but its marker in the default alphabet', () => {
    const value = rawRecordValue();
    if (value === undefined) throw new Error('format v2 always has a raw-record value');
    const record = encodeRecord(100, [{ op: 'put', key: 'a', value: 'v' }]);
    expect(new TextEncoder().encode(value)).toEqual(record.subarray(1));
    expect(recordValue().length).toBeGreaterThan(RECORD_HEADER_BYTES);
    const ops = alphabet(defaultBounds());
    expect(ops.filter((o) => o.kind === 'put')).toHaveLength(4);
    expect(ops.some((o) => o.kind === 'put' && o.value === value)).toBe(true);
    expect(ops.some((o) => o.kind === 'close')).toBe(true);
  });
});

describe('every bug-zoo variant is found at its minimal depth', () => {
  it('lists a depth for every variant', () => {
    expect(Object.keys(MINIMAL_DEPTH).sort()).toEqual(BUGS.map((b) => b.name).sort());
  });

  it.each(BUGS.map((b) => [b.name, MINIMAL_DEPTH[b.name]]))(
    '%s at depth %i, and replay reproduces it',
    (name, depth) => {
      const bug = findBug(name);
      if (bug === undefined) throw new Error(`no variant ${name}`);
      const ce = shortestCounterexample(bug);
      expect(ce?.commands.length, `${name}: ${ce?.violation}`).toBe(depth);
      if (ce === undefined) return;
      expect(ce.found.by).toBe('exhaustive');
      expect(replay(ce).violation).toBeDefined();
    },
  );
});

describe('crash images', () => {
  const wal = FILES.wal;
  const twoWrites: Disk = [
    { kind: 'create', file: wal } as const,
    { kind: 'append', file: wal, offsetBytes: 0, data: new Uint8Array([1, 2, 3, 4]) } as const,
  ].reduce(applyStep, EMPTY_DISK);
  const inFlight = syscallOf(twoWrites, {
    kind: 'append',
    file: wal,
    offsetBytes: 4,
    data: new Uint8Array([5, 6, 7, 8]),
  });

  it('kill: every byte count of the append in flight, each a distinct image', () => {
    const found = crashImages(twoWrites, inFlight, { kill: true, power: false }, 'every', 1000);
    expect(found.enumerated).toBe(5);
    expect(found.images).toHaveLength(5);
  });

  it('power: every fate of every pending write and dir op, identical images once', () => {
    const found = crashImages(twoWrites, inFlight, { kill: false, power: true }, 'every', 1000);
    // The link kept: 7 fates × 7 fates; dropped: the file is gone and its writes are never asked about.
    expect(found.enumerated).toBe(7 * 7 + 1);
    expect(found.images.length).toBeLessThan(found.enumerated);
    for (const { spec, image } of found.images)
      expect(diskInto(new Hasher(), crashImage(twoWrites, inFlight, spec)).digest()).toBe(
        diskInto(new Hasher(), image).digest(),
      );
  });

  it('stops at the stated bound and says so', () => {
    const found = crashImages(twoWrites, inFlight, { kill: false, power: true }, 'every', 10);
    expect(found.capped).toBe(true);
    expect(found.enumerated).toBe(10);
  });
});

describe('fingerprints', () => {
  const view = { fromDurable: true, pairs: [] };
  const digest = (m: KvModel) => modelInto(new Hasher(), m, view).digest();

  it('a model is normalized to what the oracle can still ask: history below the durable LSN is gone', () => {
    const a = new KvModel();
    a.ack(a.issue([{ op: 'put', key: 'k', value: 'old' }]), true);
    a.ack(a.issue([{ op: 'put', key: 'k', value: 'v' }]), true);
    const b = new KvModel();
    b.ack(b.issue([{ op: 'del', key: 'k' }]), true);
    b.ack(b.issue([{ op: 'put', key: 'k', value: 'v' }]), true);
    expect(digest(a)).toBe(digest(b));
    const c = new KvModel();
    c.ack(c.issue([{ op: 'del', key: 'k' }]), false);
    c.ack(c.issue([{ op: 'put', key: 'k', value: 'v' }]), false);
    expect(digest(c)).not.toBe(digest(b));
  });

  it('disks that differ only in inode numbers hash the same', () => {
    const a = [
      { kind: 'create', file: 'x' } as const,
      { kind: 'create', file: 'y' } as const,
    ].reduce(applyStep, EMPTY_DISK);
    const b = [
      { kind: 'create', file: 'y' } as const,
      { kind: 'create', file: 'x' } as const,
    ].reduce(applyStep, EMPTY_DISK);
    expect(diskInto(new Hasher(), a).digest()).not.toBe(diskInto(new Hasher(), b).digest());
    const c = [
      { kind: 'create', file: 'z' } as const,
      { kind: 'unlink', file: 'z' } as const,
      { kind: 'fsyncDir' } as const,
      { kind: 'create', file: 'x' } as const,
    ].reduce(applyStep, EMPTY_DISK);
    const d = [{ kind: 'fsyncDir' } as const, { kind: 'create', file: 'x' } as const].reduce(
      applyStep,
      EMPTY_DISK,
    );
    expect(diskInto(new Hasher(), c).digest()).toBe(diskInto(new Hasher(), d).digest());
  });
});

describe('kvlab check', () => {
  async function check(argv: string[]): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await runCli(
      ['check', ...argv],
      { out: (l) => out.push(l), err: (l) => out.push(l), progress: () => {} },
      Readable.from(['']),
    );
    return { code, out };
  }

  it('states the verdict over the bounds and exits 0', async () => {
    const { code, out } = await check(['--depth', '1', '--ops', 'put,sync', '--keys', 'a']);
    expect(code).toBe(0);
    expect(out.at(-1)).toMatch(/^no violation in any history of depth ≤ 1 over keys \{"a"\}/);
  });

  it('writes the shortest counterexample, tells its story and exits 6', async () => {
    const file = join(tmp, 'ce.json');
    const { code, out } = await check(['--bug', 'no-log-fsync', '--out', file]);
    expect(code).toBe(6);
    expect(out.join('\n')).toMatch(/VIOLATION in a shortest history: 1 commands/);
    expect((await check(['--json', '--depth', '0'])).code).toBe(0);
    const replayed: string[] = [];
    const again = await runCli(
      ['replay', file],
      { out: (l) => replayed.push(l), err: (l) => replayed.push(l) },
      Readable.from(['']),
    );
    expect(again).toBe(6);
  });

  it('refuses bad bounds with exit 2', async () => {
    expect((await check(['--depth', 'x'])).code).toBe(2);
    expect((await check(['--ops', 'put,fly'])).code).toBe(2);
    expect((await check(['--shard', '3/2'])).code).toBe(2);
    expect((await check(['--crash', 'meteor'])).code).toBe(2);
  });
});
