// The exhaustive bounded explorer (TLC's breadth-first search with a fingerprint set, over the real
// engine and shell as stateright checks a real implementation): every history of commands up to the
// depth, and at every syscall of every operation every crash image, every I/O error, and a crash at
// every syscall of the recovery that follows. A state reached twice is expanded once; a crash image
// already judged against the same model is not judged again. Breadth-first, so the first violation
// is a shortest one. No KVStore v3 counterpart: KVStore v3 was tested by hand.

import { at, errorMessage } from '../../src/engine/errors.js';
import { FILES } from '../../src/engine/plan.js';
import type { EngineState } from '../../src/engine/state.js';
import { crashImage, type CrashSpec } from '../crash.js';
import { applySyscall, readFile, type Disk, type Syscall } from '../disk.js';
import type { KvModel } from '../model.js';
import { commandOf, writeOps } from '../operations.js';
import { alphabet, type Bounds } from './bounds.js';
import {
  diskInto,
  Hasher,
  modelInto,
  numbering,
  stateInto,
  type ModelView,
} from './fingerprint.js';
import { crashImages } from './images.js';
import {
  createSut,
  isViolation,
  openImage,
  recoverImage,
  type Opened,
  type CommandData,
  type Operation,
  type Sut,
  type SutConfig,
} from './system.js';

/** What to explore: the bounds, the engine, and which shard of the last level. */
export interface ExploreSettings {
  readonly bounds: Bounds;
  /** The engine and shell (a bug-zoo variant's, or kvlab's by default). */
  readonly sut?: Omit<SutConfig, 'options'>;
  /**
   * Expand only the states before the last level whose fingerprint is `index` modulo `count`: each shard
   * searches the levels above in full (a small fraction of the work), and the last level, where most
   * of it lies, is split into disjoint parts.
   */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Called now and then with the counts so far (a progress line). */
  readonly onProgress?: (stats: ExploreStats) => void;
}

/** Counts after one depth. */
export interface DepthStats {
  readonly depth: number;
  readonly histories: number;
  readonly states: number;
  /** States expanded so far (with a shard, only its part of the last level). */
  readonly expanded: number;
  readonly crashImages: number;
  readonly elapsedMs: number;
  readonly rssBytesMax: number;
}

/** What the search counted. Every count is deterministic for given bounds; times and memory are not. */
export interface ExploreStats {
  /** The deepest level completed. */
  depth: number;
  /** Histories (command sequences) run or judged, every crash image counting as one. */
  histories: number;
  /** Successor states produced, and how many were new (the rest were deduplicated). */
  visited: number;
  states: number;
  /** States whose children were generated (the rest were at the depth bound). */
  expanded: number;
  /** Crash images enumerated (kill cuts, power fates, recovery crashes, I/O errors, damage). */
  crashImages: number;
  /** Of those, how many were judged (the rest had an identical image and model already judged). */
  judged: number;
  /** Crash points where the power enumeration reached its bound. */
  cappedPoints: number;
  elapsedMs: number;
  rssBytesMax: number;
  readonly perDepth: DepthStats[];
}

/** A broken guarantee, with the history that breaks it. */
export interface Finding {
  readonly commands: readonly CommandData[];
  readonly violation: string;
}

/** The result of a search. */
export interface ExploreReport {
  readonly stats: ExploreStats;
  readonly finding: Finding | undefined;
}

/** One crash being judged: the operation, where it crashed, how, and the model the crash left. */
interface CrashCase {
  readonly op: Operation;
  readonly atStep: number;
  readonly spec: CrashSpec;
  readonly model: KvModel;
  readonly digest: string;
}

/**
 * The model as a crash at some syscall of `op` leaves it, as SimSystem's runOp does: a write is issued, and
 * acknowledged only if its call returned; maintenance makes everything acknowledged durable if it returned.
 */
function modelAfter(
  model: KvModel,
  op: Operation,
  completed: boolean,
  syncAlways: boolean,
): KvModel {
  const m = model.clone();
  const ops = writeOps(op);
  if (ops !== undefined) {
    const lsn = m.issue(ops);
    if (completed) m.ack(lsn, syncAlways);
  } else if (completed) m.markDurable();
  return m;
}

/**
 * The specs for a crash at syscall `call` of recovery after a crash by `first`. A crash command applies
 * one spec to both crashes (as `kvlab replay` does), so the second crash's image follows from the first's
 * spec. One freedom is left: a kill with cut 'all' whose first crash had no write in flight ignored
 * `bytes` the first time, so varying it cuts recovery's own write at every byte, first image unchanged.
 */
function secondSpecs(first: CrashSpec, call: Syscall): CrashSpec[] {
  if (first.model !== 'kill' || first.cut !== 'all' || first.bytes !== undefined) return [first];
  if (call.kind !== 'write') return [first];
  return Array.from({ length: call.data.length + 1 }, (_, bytes) => ({ ...first, bytes }));
}

interface SearchNode {
  readonly sut: Sut;
  readonly fingerprint: string;
  readonly parent: SearchNode | undefined;
  readonly command: CommandData | undefined;
}

function historyOf(node: SearchNode | undefined, last?: CommandData): CommandData[] {
  const out: CommandData[] = last === undefined ? [] : [last];
  for (let n = node; n?.command !== undefined; n = n.parent) out.push(n.command);
  return out.reverse();
}

/** The syscall in flight at each crash point of a trace, and the disk with the calls before it done. */
function crashPoints(
  disk: Disk,
  trace: readonly Syscall[],
): { before: Disk; inFlight?: Syscall }[] {
  const points: { before: Disk; inFlight?: Syscall }[] = [];
  let before = disk;
  for (const call of trace) {
    points.push({ before, inFlight: call });
    before = applySyscall(before, call);
  }
  points.push({ before });
  return points;
}

/** Recoveries kept by image at most (then the cache starts over): bounds the memory it takes. */
const OPENED_CACHE_MAX = 20_000;

/** Thrown through the search when a child breaks a guarantee. */
class Found extends Error {
  constructor(readonly finding: Finding) {
    super(finding.violation);
  }
}

/** One search: its fingerprint set, verdict cache, counters and frontier. */
class Search {
  readonly stats: ExploreStats = {
    depth: 0,
    histories: 0,
    visited: 0,
    states: 0,
    expanded: 0,
    crashImages: 0,
    judged: 0,
    cappedPoints: 0,
    elapsedMs: 0,
    rssBytesMax: 0,
    perDepth: [],
  };
  private readonly seen = new Set<string>();
  private readonly verdicts = new Set<string>();
  /** Recoveries by image: the same image recurs under other histories (half of them at depth 2). */
  private readonly opened = new Map<string, { readonly image: Disk; readonly opened: Opened }>();
  private readonly ops: Operation[];
  private readonly view: ModelView;
  private readonly started = performance.now();
  private next: SearchNode[] = [];
  private node: SearchNode | undefined;
  private readonly config: SutConfig;

  constructor(private readonly settings: ExploreSettings) {
    const b = settings.bounds;
    this.ops = alphabet(b);
    this.config = { options: b.options, ...settings.sut };
    this.view = {
      fromDurable: !b.damage,
      pairs:
        b.options.recovery === 'salvage'
          ? b.keys.flatMap((k) => b.values.map((v): [string, string] => [k, v]))
          : [],
    };
  }

  private fingerprint(disk: Disk, state: EngineState, model: KvModel): string {
    const h = new Hasher();
    diskInto(h, disk);
    stateInto(h, state);
    return modelInto(h, model, this.view).digest();
  }

  /**
   * Run one child of the current node through the checker; keep its state if new (and return it).
   * A child that breaks a guarantee ends the search with its history.
   */
  private child(command: CommandData, run: (sut: Sut) => void): Sut | undefined {
    const node = this.node;
    if (node === undefined) throw new Error('explorer: no node being expanded');
    const sut = node.sut.fork();
    try {
      run(sut);
    } catch (e) {
      const where = isViolation(e) ? '' : 'an error escaped the store: ';
      throw new Found({ commands: historyOf(node, command), violation: where + errorMessage(e) });
    }
    const fp = this.fingerprint(sut.disk, sut.state, sut.model);
    if (this.seen.has(fp)) return undefined;
    this.seen.add(fp);
    this.stats.states++;
    this.next.push({ sut, fingerprint: fp, parent: node, command });
    if ((this.stats.states & 0xff) === 0) this.progress();
    return sut;
  }

  /** A child run through the checker with no fast path: counted as a history and a visit. */
  private plain(command: CommandData, run: (sut: Sut) => void): void {
    this.stats.histories++;
    this.stats.visited++;
    this.child(command, run);
  }

  private progress(): void {
    this.stats.elapsedMs = performance.now() - this.started;
    this.stats.rssBytesMax = Math.max(this.stats.rssBytesMax, process.memoryUsage().rss);
    this.settings.onProgress?.(this.stats);
  }

  /** Crash `op` at every syscall, under every image of every crash model asked for. */
  private crashes(op: Operation, trace: readonly Syscall[], before: Disk): void {
    const b = this.settings.bounds;
    const models = { kill: b.crash === 'kill' || b.crash === 'all', power: b.crash !== 'kill' };
    const model = this.node?.sut.model;
    if (model === undefined) throw new Error('explorer: no node being expanded');
    const after = [false, true].map((completed) => {
      const m = modelAfter(model, op, completed, b.options.sync === 'always');
      return { model: m, digest: modelInto(new Hasher(), m, this.view).digest() };
    });
    crashPoints(before, trace).forEach((point, atStep) => {
      const m = at(after, atStep === trace.length ? 1 : 0, 'model after the crash');
      const found = crashImages(point.before, point.inFlight, models, b.cuts, b.powerImagesMax);
      if (found.capped) this.stats.cappedPoints++;
      this.stats.crashImages += found.enumerated;
      this.stats.histories += found.enumerated;
      for (const { spec, image, hash } of found.images)
        this.judge({ op, atStep, spec, model: m.model, digest: m.digest }, image, hash, undefined);
    });
  }

  /** The recovery from `image`, from the cache when an image with the same bytes and numbering had it. */
  private openedOn(image: Disk, hash: string): Opened {
    const cached = this.opened.get(hash);
    // Most images are new (every cut of a write differs): the numbering is compared only on a hit.
    if (cached !== undefined && numbering(cached.image) === numbering(image)) return cached.opened;
    if (this.opened.size >= OPENED_CACHE_MAX) this.opened.clear();
    const opened = openImage(this.config, image);
    this.opened.set(hash, { image, opened });
    return opened;
  }

  /**
   * Judge one crash image (fast: recovery from the image alone), unless the same image was judged against
   * the same model; a new state it leaves is then rebuilt through the checker's own crash command and
   * checked to be the same. Then crash its recovery at each syscall, under the same spec, as replay does.
   */
  private judge(c: CrashCase, image: Disk, hash: string, again: number | undefined): void {
    const key = `${c.spec.model}|${hash}|${c.digest}`;
    if (this.verdicts.has(key)) return;
    this.verdicts.add(key);
    // A progress line (and a memory sample) every 16,384 judgements, even when no state is new.
    if ((++this.stats.judged & 0x3fff) === 0) this.progress();
    const command: CommandData = {
      type: 'crash',
      op: c.op,
      atStep: c.atStep,
      spec: c.spec,
      recoveryCrashStep: again,
    };
    const replayed = (sut: Sut): void => {
      sut.crash(c.op, c.atStep, c.spec, again);
    };
    const opened = this.openedOn(image, hash);
    const r = recoverImage(this.config, image, c.model, c.spec.model, opened);
    if (r.violation !== undefined) {
      this.child(command, replayed);
      throw new Error(`explorer: the fast judge found "${r.violation}", the checker did not`);
    }
    this.stats.visited++;
    const fp = this.fingerprint(r.disk, r.state, r.model);
    if (!this.seen.has(fp)) {
      const sut = this.child(command, replayed);
      if (sut !== undefined && this.fingerprint(sut.disk, sut.state, sut.model) !== fp)
        throw new Error(`explorer: the fast judge and the checker disagree after ${c.atStep}`);
    }
    if (again !== undefined || !this.settings.bounds.recoveryCrashes) return;
    let disk = image;
    r.calls.forEach((call, j) => {
      for (const spec of secondSpecs(c.spec, call)) {
        this.stats.crashImages++;
        this.stats.histories++;
        const second = crashImage(disk, call, spec);
        this.judge({ ...c, spec }, second, diskInto(new Hasher(), second).digest(), j);
      }
      disk = applySyscall(disk, call);
    });
  }

  /** An I/O error at every syscall of `op`, with every prefix a write may have written first. */
  private ioErrors(op: Operation, trace: readonly Syscall[]): void {
    const cuts = this.settings.bounds.cuts;
    trace.forEach((call, atStep) => {
      const n = call.kind === 'write' ? call.data.length : 0;
      const written =
        cuts === 'every' ? Array.from({ length: Math.max(1, n) }, (_, i) => i) : [0, 1, n >>> 1];
      for (const w of new Set(written.filter((x) => x === 0 || x < n))) {
        this.stats.crashImages++;
        this.stats.judged++;
        this.plain({ type: 'io-error', op, atStep, errno: 'EIO', writtenBytes: w }, (sut) =>
          sut.ioError(op, atStep, w),
        );
      }
    });
  }

  /** One bit flipped in every byte of every durable file, between runs. */
  private damages(sut: Sut): void {
    for (const file of [FILES.wal, FILES.snapshot]) {
      const length = readFile(sut.disk, file)?.length ?? 0;
      for (let offset = 0; offset < length; offset++) {
        this.stats.crashImages++;
        this.stats.judged++;
        this.plain({ type: 'damage', file, offsetPick: offset, how: { xor: 1 } }, (s) =>
          s.damage(file, offset, 1),
        );
      }
    }
  }

  /** Every child of one node, in a fixed order. */
  private expand(node: SearchNode): void {
    const b = this.settings.bounds;
    this.node = node;
    for (const op of this.ops) {
      this.plain(commandOf(op), (sut) => sut.apply(op));
      const trace = node.sut.calls(op);
      if (b.crash !== 'none') this.crashes(op, trace, node.sut.disk);
      if (b.ioErrors) this.ioErrors(op, trace);
    }
    if (b.damage) this.damages(node.sut);
  }

  /** This shard's part of the last level: the states whose fingerprint is its index modulo the count. */
  private shardOf(level: SearchNode[]): SearchNode[] {
    const shard = this.settings.shard;
    if (shard === undefined) return level;
    return level.filter(
      (node) => Number.parseInt(node.fingerprint.slice(0, 8), 16) % shard.count === shard.index,
    );
  }

  /** Breadth-first to the depth bound; the first violation found is a shortest one. */
  run(): ExploreReport {
    const sut = createSut(this.config);
    const fingerprint = this.fingerprint(sut.disk, sut.state, sut.model);
    this.seen.add(fingerprint);
    this.stats.states = 1;
    let level: SearchNode[] = [{ sut, fingerprint, parent: undefined, command: undefined }];
    try {
      for (let depth = 1; depth <= this.settings.bounds.depth && level.length > 0; depth++) {
        this.next = [];
        if (depth === this.settings.bounds.depth) level = this.shardOf(level);
        for (const node of level) this.expand(node);
        this.stats.expanded += level.length;
        level = this.next;
        this.progress();
        this.stats.depth = depth;
        this.stats.perDepth.push({
          depth,
          histories: this.stats.histories,
          states: this.stats.states,
          expanded: this.stats.expanded,
          crashImages: this.stats.crashImages,
          elapsedMs: this.stats.elapsedMs,
          rssBytesMax: this.stats.rssBytesMax,
        });
      }
    } catch (e) {
      if (!(e instanceof Found)) throw e;
      this.progress();
      return { stats: this.stats, finding: e.finding };
    }
    return { stats: this.stats, finding: undefined };
  }
}

/** Explore every history within the bounds. Returns the first (shortest) violation, if any. */
export function explore(settings: ExploreSettings): ExploreReport {
  // Refused recoveries throw KvErrors by the thousand, and their stacks are never shown: capturing them
  // was the largest single cost (14% of a profile).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Search(settings).run();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
