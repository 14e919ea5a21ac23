// Benchmark of the exhaustive explorer (model/explore/, `kvlab check`): how histories, states, crash
// images, time and memory grow with the depth and with the alphabet, and crash images per second of
// CPU (one core; wall time on a shared machine says more about the neighbours). Never an assertion.
// `npm run bench:explore [-- DEPTH]` prints the markdown tables README.md and spec/model-checking.md show.

import { defaultBounds, recordValue, type BoundsInput } from '../model/explore/bounds.js';
import { explore } from '../model/explore/explore.js';

const mib = (bytes: number): string => `${Math.round(bytes / 1048576)}`;

interface Row {
  readonly label: string;
  readonly histories: number;
  readonly states: number;
  readonly crashImages: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssBytes: number;
}

const cpuNowMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Explore to a depth; one row per depth, CPU time taken at the end of each (the explorer reports then). */
function run(label: string, over: BoundsInput): Row[] {
  const start = cpuNowMs();
  // The last progress call of each level comes at its end, before the level is added to perDepth.
  const cpuAtEnd: number[] = [];
  const report = explore({
    bounds: defaultBounds(over),
    onProgress: (s) => {
      cpuAtEnd[s.perDepth.length] = cpuNowMs() - start;
    },
  });
  if (report.finding !== undefined) console.log(`VIOLATION: ${report.finding.violation}`);
  return report.stats.perDepth.map((d, i) => ({
    label: `${label}, depth ${d.depth}`,
    histories: d.histories,
    states: d.states,
    crashImages: d.crashImages,
    wallMs: d.elapsedMs,
    cpuMs: cpuAtEnd[i] ?? 0,
    rssBytes: d.rssBytesMax,
  }));
}

function table(rows: readonly Row[]): void {
  console.log(
    '| bounds | histories | distinct states | crash images | wall s | CPU s | images per CPU s | peak RSS MiB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.histories.toLocaleString('en-US')} | ${r.states.toLocaleString('en-US')} | ${r.crashImages.toLocaleString('en-US')} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.cpuMs / 1000).toFixed(1)} | ${Math.round((r.crashImages * 1000) / Math.max(1, r.cpuMs)).toLocaleString('en-US')} | ${mib(r.rssBytes)} |`,
    );
}

const depthMax = Number(process.argv[2] ?? 3);
console.log('explorer growth with depth (default bounds: 2 keys × 2 values, every op and fault)');
table(run('default', { depth: depthMax }));
console.log('\nexplorer growth with the alphabet (depth 2; sync none at depth 1, see below)');
table([
  ...run('1 key × 1 value', { depth: 2, keys: ['a'], values: ['x'] }).slice(-1),
  ...run('2 keys × 2 values', { depth: 2 }).slice(-1),
  ...run('2 × 2, @record (latin1)', { depth: 2, values: ['x', recordValue()] }).slice(-1),
  ...run('3 keys × 3 values', { depth: 2, keys: ['a', 'b', 'c'], values: ['x', 'yy', ''] }).slice(
    -1,
  ),
  ...run('2 × 2, sync none', { depth: 1, options: { sync: 'none' } }).slice(-1),
  ...run('2 × 2, salvage, damage', {
    depth: 2,
    damage: true,
    options: { recovery: 'salvage' },
  }).slice(-1),
]);
