// The story page as a person sees it: `.ci/run` runs this after `npm test` (so dist/ is built) with
// Debian's chromium. It finds a zoo counterexample with a fixed seed, writes its page with
// `kvlab replay --html`, loads it in headless chromium (playwright-core, no browser download) and checks
// that nothing logs an error, that the crash line, every file's strip and the LSN axis are there, and that
// the recovered and allowed LSNs shown are those of the counterexample. Screenshot: artifacts/story.png.
// Usage: node test/browser/story.browser.mjs [--bug NAME] [--screenshot FILE]; CHROMIUM=path overrides
// /usr/bin/chromium (GitHub's runners have Chrome instead).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    bug: { type: 'string', default: 'no-log-fsync' },
    screenshot: { type: 'string', default: join(root, 'artifacts/story.png') },
  },
});
const SEED = 7;
const kvlab = (...args) => {
  try {
    return execFileSync('node', [join(root, 'dist/cli/main.js'), ...args], { encoding: 'utf8' });
  } catch (e) {
    if (e.status === 6) return e.stdout; // a violation found or replayed: what we want
    throw e;
  }
};

/** What the page must show, worked out from the counterexample by the same code the CLI runs. */
async function expected(ceFile) {
  const { loadCounterexample } = await import(join(root, 'dist/fuzz/counterexample.js'));
  const { recordTrace } = await import(join(root, 'dist/fuzz/visual/trace.js'));
  const { keyRecovery } = await import(join(root, 'dist/fuzz/visual/page.js'));
  const { fates } = await import(join(root, 'dist/fuzz/visual/shade.js'));
  const ce = loadCounterexample(ceFile);
  const trace = recordTrace(ce);
  const rec = keyRecovery(trace);
  const crash = trace.events.filter((e) => e.kind === 'crash').at(-1);
  const outcome = rec.event.outcome;
  return {
    violation: ce.violation,
    recovered: 'state' in outcome ? String(outcome.state.lastLsn) : 'refused',
    allowed: [rec.event.allowed.minLsn, rec.event.allowed.maxLsn],
    files: crash === undefined ? [] : fates(crash.event).map((f) => f.name),
    crashes: trace.events.filter((e) => e.kind === 'crash').length,
  };
}

function check(ok, what) {
  if (!ok) throw new Error(`browser test: ${what}`);
  console.log(`ok - ${what}`);
}

const work = mkdtempSync(join(tmpdir(), 'kvlab-browser-'));
const profile = join(work, 'profile');
// A fresh profile (playwright passes it as --user-data-dir) so no state leaks between runs.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const ceFile = join(work, 'counterexample.json');
  const html = join(work, 'story.html');
  kvlab('fuzz', '--bug', values.bug, '--seed', String(SEED), '--runs', '5000', '--out', ceFile);
  kvlab('replay', ceFile, '--html', html);
  const want = await expected(ceFile);
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => !r.url().startsWith('file:') && errors.push(`network: ${r.url()}`));
  await page.goto(pathToFileURL(html).href);
  check(errors.length === 0, `no console error or network request (${errors.join('; ')})`);
  // Variants broken by a clean reopen or an I/O error have no crash to draw (--bug selects one).
  if (want.crashes > 0) {
    check((await page.locator('.crash-line').count()) === want.crashes, 'the crash line is drawn');
    const label = await page.locator('.crash-line').first().getAttribute('data-crash');
    check(/kill|power/.test(label ?? ''), `the crash line names its crash spec (${label})`);
    for (const file of want.files)
      check(
        (await page.locator(`.strip[data-file="${file}"]`).count()) === 1,
        `a strip for ${file}`,
      );
    check(want.files.length > 0, `every file has a strip (${want.files.join(', ')})`);
  }
  const axis = page.locator('.lsn-axis');
  check((await axis.count()) === 1, 'the LSN axis is drawn');
  const shown = await axis.getAttribute('data-recovered-lsn');
  check(
    shown === want.recovered,
    `the recovered LSN shown (${shown}) is the replay's (${want.recovered})`,
  );
  const text = await page.locator('#recovered-lsn').textContent();
  check(text === want.recovered, `the table's recovered LSN (${text}) agrees`);
  const min = Number(await page.locator('#allowed-window').getAttribute('data-min'));
  const max = Number(await page.locator('#allowed-window').getAttribute('data-max'));
  check(min === want.allowed[0] && max === want.allowed[1], `the allowed window ${min}..${max}`);
  const said = /allowed (\d+)\.\.(\d+)/.exec(want.violation);
  if (said !== null)
    check(`${said[1]}..${said[2]}` === `${min}..${max}`, "the window is the counterexample file's");
  await page.locator('.field').first().hover();
  check(await page.locator('#hover').isVisible(), 'hovering a field shows its hex and decoding');
  mkdirSync(resolve(values.screenshot, '..'), { recursive: true });
  await page.mouse.move(0, 0);
  await page.locator('.picture').screenshot({ path: values.screenshot });
  console.log(`screenshot: ${values.screenshot}`);
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
