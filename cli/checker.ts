// The checker's commands: `kvlab fuzz`, `kvlab replay`, `kvlab bugs` and `kvlab table`. They load fuzz/
// (the campaigns and the bug zoo) only when called, so the store's commands never pay for them and the
// default engine never reaches a bug variant's code.

import type { CrashKind } from '../model/crash.js';
import { KvError, errorMessage } from '../src/engine/errors.js';
import { EXIT, type Flags, type Output } from './app.js';

/** "60s", "2m", "1500ms" or a plain number of seconds, in ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null)
    throw new KvError(
      'INVALID_ARGUMENT',
      `--time takes a duration such as 60s, 2m or 500ms, got ${text}`,
    );
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(
    n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000),
  );
}

/** --shard i/n: this run takes shard i of n (0 <= i < n); the whole search without it. */
export function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index >= count)
    throw new KvError('INVALID_ARGUMENT', `--shard takes i/n with 0 <= i < n, got ${text}`);
  return { index, count };
}

const CRASH_KINDS: readonly CrashKind[] = ['kill', 'power', 'torn', 'all'];

function parseFaults(flags: Flags): {
  crash: CrashKind | 'none';
  ioError: boolean;
  damage: boolean;
} {
  const crashFlag = flags.crash ?? 'all';
  const crash = CRASH_KINDS.find((k) => k === crashFlag);
  if (crash === undefined)
    throw new KvError(
      'INVALID_ARGUMENT',
      `--crash takes kill, power, torn or all, got ${crashFlag}`,
    );
  const list = (flags.faults ?? 'crash,io,damage').split(',').map((f) => f.trim());
  for (const f of list)
    if (!['crash', 'io', 'damage'].includes(f))
      throw new KvError('INVALID_ARGUMENT', `--faults takes a list of crash, io, damage; got ${f}`);
  return {
    crash: list.includes('crash') ? crash : 'none',
    ioError: list.includes('io'),
    damage: list.includes('damage'),
  };
}

function seedOf(flags: Flags): number {
  const text = flags.seed;
  if (text === undefined) return (Math.random() * 0x7fffffff) | 0;
  const seed = Number(text);
  if (!Number.isInteger(seed))
    throw new KvError('INVALID_ARGUMENT', `--seed takes an integer, got ${text}`);
  return seed;
}

const rate = (n: number, ms: number): string =>
  ms > 0 ? Math.round((n * 1000) / ms).toLocaleString('en-US') : '0';

/** The command that runs the same campaign again: every flag that shapes it, and the seed drawn. */
export function rerunCommand(flags: Flags, seed: number): string {
  const words = ['kvlab fuzz', `--seed ${seed}`];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) words.push(`--${name} ${value}`);
  };
  add('time', flags.time);
  add('runs', flags.runs);
  add('crash', flags.crash);
  add('faults', flags.faults);
  add('shard', flags.shard);
  add('bug', flags.bug);
  add('out', flags.out);
  return words.join(' ');
}

// Types only (erased at run time): fuzz/ itself is loaded lazily by the commands below.
type CampaignProgress = import('../fuzz/campaign.js').CampaignProgress;
type CampaignReport = import('../fuzz/campaign.js').CampaignReport;

/** The live line of a running campaign. */
function progressLine(p: CampaignProgress): string {
  const left =
    p.limitMs !== undefined
      ? `${Math.max(0, (p.limitMs - p.elapsedMs) / 1000).toFixed(0)}s left`
      : `${p.runs}/${p.limitRuns} runs`;
  return `runs ${p.runs} | commands ${p.commands} | crash images ${p.crashImages} (${rate(p.crashImages, p.elapsedMs)}/s) | ${(p.elapsedMs / 1000).toFixed(0)}s spent, ${left}`;
}

/** What a campaign did, and how evenly it crashed at each step of each operation's plans. */
function printSummary(report: CampaignReport, output: Output): void {
  output.out(
    `${report.runs} runs, ${report.commands} commands, ${report.crashImages} crash images (${rate(report.crashImages, report.elapsedMs)}/s), ${report.recoveries} recoveries in ${(report.elapsedMs / 1000).toFixed(1)} s`,
  );
  output.out(
    "crash-point coverage: crashes at each step of each operation's plans (--json lists every step):",
  );
  for (const [op, steps] of Object.entries(report.coverage).sort()) {
    const [rarest, fewest] = Object.entries(steps).reduce((a, b) => (b[1] < a[1] ? b : a));
    const most = Math.max(...Object.values(steps));
    output.out(
      `  ${op.padEnd(9)} ${Object.keys(steps).length} steps hit, ${fewest} to ${most} times each (least: ${rarest})`,
    );
  }
}

/** `kvlab fuzz`: run a campaign; exit 0 when nothing was found, 6 on a violation (with counterexample.json). */
export async function runFuzz(flags: Flags, output: Output): Promise<number> {
  const [{ runCampaign, coverageSummary }, { findBug, BUGS }, { saveCounterexample }, { replay }] =
    await Promise.all([
      import('../fuzz/campaign.js'),
      import('../fuzz/zoo/index.js'),
      import('../fuzz/counterexample.js'),
      import('../fuzz/story.js'),
    ]);
  const bugName = flags.bug;
  const bug = bugName === undefined ? undefined : findBug(bugName);
  if (bugName !== undefined && bug === undefined)
    throw new KvError(
      'INVALID_ARGUMENT',
      `no bug variant ${bugName}; kvlab bugs lists them: ${BUGS.map((b) => b.name).join(', ')}`,
    );
  const runsText = flags.runs;
  const runs = runsText === undefined ? undefined : Number(runsText);
  if (runs !== undefined && !(Number.isInteger(runs) && runs > 0))
    throw new KvError('INVALID_ARGUMENT', `--runs takes a positive integer, got ${runsText}`);
  const timeText = flags.time;
  const timeMs =
    timeText === undefined ? (runs === undefined ? 60_000 : undefined) : parseDuration(timeText);
  const seed = seedOf(flags);
  const shard = parseShard(flags.shard);
  const faults =
    bug !== undefined && flags.faults === undefined && flags.crash === undefined
      ? bug.faults
      : parseFaults(flags);
  const out = flags.out ?? 'counterexample.json';
  const what = `${bug === undefined ? 'kvlab' : `bug variant ${bug.name}`}, crash=${faults.crash} io=${faults.ioError} damage=${faults.damage}`;
  if (!flags.json)
    output.out(`kvlab fuzz: seed ${seed}, shard ${shard.index}/${shard.count}, ${what}`);
  const report = runCampaign({
    seed,
    shard,
    faults,
    ...(bug === undefined ? {} : { bug }),
    ...(timeMs === undefined ? {} : { timeMs }),
    ...(runs === undefined ? {} : { runs }),
    onProgress: (p) => {
      if (!flags.json) output.progress?.(progressLine(p));
    },
  });
  output.progress?.('');
  const ce = report.counterexample;
  if (ce !== undefined) saveCounterexample(out, ce);
  if (flags.json) {
    output.out(JSON.stringify({ ...report, counterexample: ce === undefined ? null : out }));
  } else {
    printSummary(report, output);
    for (const line of coverageSummary(report)) output.out(line);
    if (ce === undefined) output.out(`nothing found. Rerun: ${rerunCommand(flags, seed)}`);
    else {
      output.out(
        `VIOLATION after ${ce.found.runs} runs (${(ce.found.elapsedMs / 1000).toFixed(1)} s), ${ce.commands.length} commands; written to ${out}. Replay: kvlab replay ${out}`,
      );
      for (const line of replay(ce).lines) output.out(line);
    }
  }
  return ce === undefined ? EXIT.ok : EXIT.violation;
}

/** `kvlab replay FILE`: the story of a counterexample; exit 6 when it still fails, 0 when it no longer does. */
export async function runReplay(
  args: readonly string[],
  flags: Flags,
  output: Output,
): Promise<number> {
  const [{ loadCounterexample }, { replay }] = await Promise.all([
    import('../fuzz/counterexample.js'),
    import('../fuzz/story.js'),
  ]);
  if (args.length !== 1)
    throw new KvError('INVALID_ARGUMENT', 'replay takes one counterexample file');
  const file = args[0] ?? '';
  const counterexample = loadCounterexample(file);
  let result: ReturnType<typeof replay>;
  try {
    result = replay(counterexample);
  } catch (e) {
    // A file that parses but holds commands kvlab cannot run: say which file, in one line.
    if (e instanceof KvError && e.code !== 'INTERNAL') throw e;
    throw new KvError(
      'INVALID_ARGUMENT',
      `${file} is not a valid counterexample: ${errorMessage(e)}`,
      { file },
    );
  }
  if (flags.html !== undefined) {
    const { writeStoryPage } = await import('../fuzz/visual/html.js');
    // Links point at this package's spec/ (dist/cli/ is two floors below the package root).
    writeStoryPage(result.trace, flags.html, new URL('../../spec', import.meta.url));
    output.out(`wrote ${flags.html}`);
  }
  if (flags.json) output.out(JSON.stringify({ lines: result.lines, violation: result.violation }));
  else for (const line of result.lines) output.out(line);
  return result.violation === undefined ? EXIT.ok : EXIT.violation;
}

/** `kvlab bugs`: the zoo, one line each; with --docs, write spec/bugs/ (or --out DIR). */
export async function runBugs(flags: Flags, output: Output): Promise<number> {
  const { BUGS } = await import('../fuzz/zoo/index.js');
  if (flags.docs) {
    const [{ bugIndex, bugDocs, svgPath }, { mkdirSync, writeFileSync }, { join }] =
      await Promise.all([import('../fuzz/bug-docs.js'), import('node:fs'), import('node:path')]);
    const dir = flags.out ?? 'spec/bugs';
    mkdirSync(join(dir, 'img'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), bugIndex());
    for (const bug of BUGS) {
      const docs = bugDocs(bug);
      writeFileSync(join(dir, `${bug.name}.md`), docs.page);
      if (docs.svg !== undefined) writeFileSync(join(dir, svgPath(bug)), docs.svg);
      output.out(`wrote ${join(dir, `${bug.name}.md`)}`);
    }
    const { checkFirstDraft, LESSON_SVG } = await import('../fuzz/lessons/index.js');
    if (flags.out === undefined) {
      writeFileSync(LESSON_SVG, checkFirstDraft().svg ?? '');
      output.out(`wrote ${LESSON_SVG}`);
    }
    return EXIT.ok;
  }
  if (flags.json)
    output.out(
      JSON.stringify(BUGS.map(({ name, summary, origin }) => ({ name, summary, origin }))),
    );
  else for (const b of BUGS) output.out(`${b.name.padEnd(26)} ${b.summary}`);
  return EXIT.ok;
}

/**
 * `kvlab table [--check] [--out FILE]`: write the guarantee table, or check the committed one is
 * current (exit 7, EXIT.outdated, when it is not: a stale document is not a violation).
 */
export async function runTable(flags: Flags, output: Output): Promise<number> {
  const { guaranteeTable, TABLE_FILE } = await import('../fuzz/table.js');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = flags.out ?? TABLE_FILE;
  const text = guaranteeTable();
  if (flags.check) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing: out of date
    }
    if (committed === text) {
      output.out(`${file} is up to date`);
      return EXIT.ok;
    }
    output.err(`kvlab: ${file} is out of date: run kvlab table (npm run table) and commit it`);
    return EXIT.outdated;
  }
  writeFileSync(file, text);
  output.out(`wrote ${file}`);
  return EXIT.ok;
}
