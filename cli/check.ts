// `kvlab check`: the exhaustive bounded explorer (model/explore/) from the command line: every history
// up to --depth, every crash image at every step; the verdict, the counts, and on a violation the
// shortest counterexample written for `kvlab replay` and its story. No KVStore v3 counterpart.

import { KvError } from '../src/engine/errors.js';
import { EXIT, type Flags, type Output } from './app.js';
import { parseShard } from './checker.js';

type Bounds = import('../model/explore/bounds.js').Bounds;
type BoundsInput = import('../model/explore/bounds.js').BoundsInput;
type ExploreStats = import('../model/explore/explore.js').ExploreStats;
type CrashModels = import('../model/explore/bounds.js').CrashModels;

/** The deepest bound `kvlab check` accepts (depth 5 already takes hours). */
const DEPTH_MAX = 12;

function usage(detail: string): KvError {
  return new KvError('INVALID_ARGUMENT', detail);
}

/** A comma-separated list option of `kvlab check`. */
function listFlag(
  name: 'keys' | 'values' | 'ops' | 'faults',
  text: string | undefined,
): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  if (list.length === 0 || list.length > 16) throw usage(`--${name} takes 1 to 16 items`);
  return list;
}

/** The --depth of `kvlab check`: an integer in [0, 12] (the flag parser checked it is one). */
function depthFlag(depth: number | undefined): number | undefined {
  if (depth !== undefined && depth > DEPTH_MAX)
    throw usage(`--depth takes an integer in [0, ${DEPTH_MAX}], got ${depth}`);
  return depth;
}

/** --crash for `kvlab check`: which crash models are enumerated. */
function crashFlag(crash: string | undefined): CrashModels | undefined {
  if (crash === undefined) return undefined;
  const found = (['kill', 'power', 'all', 'none'] as const).find((c) => c === crash);
  if (found === undefined) throw usage(`--crash takes kill, power, all or none, got ${crash}`);
  return found;
}

/** A --values item: @record and @raw-record name the values that hold a log record's bytes. */
function namedValue(v: string, record: () => string, raw: () => string | undefined): string {
  if (v === '@record') return record();
  if (v !== '@raw-record') return v;
  const value = raw();
  if (value === undefined) throw usage('no record of the log format in use encodes as ASCII');
  return value;
}

/** The bounds the flags ask for, over the defaults (or a bug variant's). */
async function boundsOf(flags: Flags, base: BoundsInput): Promise<BoundsInput> {
  const { OP_KINDS, recordValue, rawRecordValue } = await import('../model/explore/bounds.js');
  const over: { -readonly [K in keyof BoundsInput]: BoundsInput[K] } = { ...base };
  over.depth = depthFlag(flags.depth) ?? base.depth ?? 2;
  const keys = listFlag('keys', flags.keys);
  if (keys !== undefined) over.keys = keys;
  const values = listFlag('values', flags.values);
  if (values !== undefined)
    over.values = values.map((v) => namedValue(v, recordValue, rawRecordValue));
  const ops = listFlag('ops', flags.ops);
  if (ops !== undefined) {
    const bad = ops.find((o) => !(OP_KINDS as readonly string[]).includes(o));
    if (bad !== undefined) throw usage(`--ops takes a list of ${OP_KINDS.join(', ')}; got ${bad}`);
    over.ops = OP_KINDS.filter((o) => ops.includes(o));
  }
  const crash = crashFlag(flags.crash);
  if (crash !== undefined) over.crash = crash;
  const faults = listFlag('faults', flags.faults);
  if (faults !== undefined) {
    const bad = faults.find((f) => !['crash', 'io', 'damage'].includes(f));
    if (bad !== undefined) throw usage(`--faults takes a list of crash, io, damage; got ${bad}`);
    if (!faults.includes('crash')) over.crash = 'none';
    over.ioErrors = faults.includes('io');
    over.damage = faults.includes('damage');
  }
  over.options = {
    ...base.options,
    ...(flags.sync === undefined ? {} : { sync: flags.sync }),
    ...(flags.recovery === undefined ? {} : { recovery: flags.recovery }),
  };
  return over;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;
const per = (n: number, ms: number): string =>
  ms > 0 ? Math.round((n * 1000) / ms).toLocaleString('en-US') : '0';

/** The counts, as the report prints them. */
function summary(stats: ExploreStats, cpuMs: number): string[] {
  const lines = [
    `histories ${stats.histories}, distinct states ${stats.states} (${stats.visited} visited, ${(stats.visited / Math.max(1, stats.states)).toFixed(1)} visits per state), crash images ${stats.crashImages} (${stats.judged} judged, the rest identical to one judged)`,
    `${per(stats.crashImages, stats.elapsedMs)} images/s (${per(stats.crashImages, cpuMs)} per CPU second), ${(stats.elapsedMs / 1000).toFixed(1)} s, peak memory ${mib(stats.rssBytesMax)}`,
    'depth  histories  states  crash images  time (s)  memory',
    ...stats.perDepth.map(
      (d) =>
        `${String(d.depth).padStart(5)}  ${String(d.histories).padStart(9)}  ${String(d.states).padStart(6)}  ${String(d.crashImages).padStart(12)}  ${(d.elapsedMs / 1000).toFixed(1).padStart(8)}  ${mib(d.rssBytesMax)}`,
    ),
  ];
  if (stats.cappedPoints > 0)
    lines.push(
      `WARNING: ${stats.cappedPoints} crash points had more power images than the bound; not exhaustive there`,
    );
  return lines;
}

/** The engine and bounds the flags ask for. */
async function setup(flags: Flags): Promise<{
  bounds: Bounds;
  bug: import('../fuzz/zoo/index.js').BugVariant | undefined;
}> {
  const [{ defaultBounds }, { boundsFor }, { findBug, BUGS }] = await Promise.all([
    import('../model/explore/bounds.js'),
    import('../fuzz/shortest.js'),
    import('../fuzz/zoo/index.js'),
  ]);
  const bugName = flags.bug;
  const bug = bugName === undefined ? undefined : findBug(bugName);
  if (bugName !== undefined && bug === undefined)
    throw usage(
      `no bug variant ${bugName}; kvlab bugs lists them: ${BUGS.map((b) => b.name).join(', ')}`,
    );
  const base: BoundsInput =
    bug === undefined
      ? {}
      : { ...boundsFor(bug), options: { sync: bug.sync, recovery: bug.recovery } };
  return { bounds: defaultBounds(await boundsOf(flags, base)), bug };
}

/** `kvlab check`: exit 0 when no history within the bounds breaks a guarantee, 6 on a violation. */
export async function runCheck(flags: Flags, output: Output): Promise<number> {
  const [{ describeBounds }, { explore }, shortest, { systemOf }, story, files] = await Promise.all(
    [
      import('../model/explore/bounds.js'),
      import('../model/explore/explore.js'),
      import('../fuzz/shortest.js'),
      import('../fuzz/zoo/index.js'),
      import('../fuzz/story.js'),
      import('../fuzz/counterexample.js'),
    ],
  );
  const { bounds, bug } = await setup(flags);
  const shard = parseShard(flags.shard);
  const out = flags.out ?? 'counterexample.json';
  const what = `${bug === undefined ? 'kvlab' : `bug variant ${bug.name}`}, shard ${shard.index}/${shard.count}`;
  if (!flags.json)
    output.out(`kvlab check: depth ≤ ${bounds.depth}, ${what}; bounds: ${describeBounds(bounds)}`);
  const cpu = process.cpuUsage();
  const report = explore({
    bounds,
    shard,
    ...(bug === undefined ? {} : { sut: systemOf(bug) }),
    onProgress: (s) => {
      if (flags.json || output.progress === undefined) return;
      output.progress(
        `depth ${s.depth + 1}/${bounds.depth} | histories ${s.histories} | states ${s.states} | crash images ${s.crashImages} (${per(s.crashImages, s.elapsedMs)}/s) | ${(s.elapsedMs / 1000).toFixed(0)} s`,
      );
    },
  });
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  output.progress?.('');
  const ce = shortest.counterexampleOf(report, bounds, bug);
  if (ce !== undefined) files.saveCounterexample(out, ce);
  if (flags.json) {
    output.out(
      JSON.stringify({
        bounds,
        shard,
        stats: report.stats,
        cpuMs,
        counterexample: ce === undefined ? null : out,
        violation: ce?.violation ?? null,
      }),
    );
    return ce === undefined ? EXIT.ok : EXIT.violation;
  }
  for (const line of summary(report.stats, cpuMs)) output.out(line);
  if (ce === undefined) {
    output.out(
      `no violation in any history of depth ≤ ${bounds.depth} over ${describeBounds(bounds)}${shard.count > 1 ? ` (shard ${shard.index}/${shard.count}: the levels above in full, its part of the last level's states)` : ''}`,
    );
    return EXIT.ok;
  }
  output.out(
    `VIOLATION in a shortest history: ${ce.commands.length} commands (no shorter one breaks a guarantee within these bounds); written to ${out}. Replay: kvlab replay ${out}`,
  );
  for (const line of story.replay(ce).lines) output.out(line);
  return EXIT.violation;
}
