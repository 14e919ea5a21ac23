// The directory lock on real processes (issue 10, "done when"): 4 processes churn open/write/close on
// one store for 5 s, then rounds in which a holder is SIGKILLed while 12 processes wait to open it.
// Every holder creates an O_EXCL marker file while it holds the store and removes it before closing:
// finding the marker of a live holder is an overlap. The verdict never depends on timing: overlaps are
// counted, every acknowledged write is looked up, and `kvlab verify` must pass.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/io/store.js';
import { kvlab } from '../cli/kvlab.js';

const dir = mkdtempSync(join(tmpdir(), 'kvlab-lock-'));
const store = join(dir, 'db');
const marker = join(dir, 'marker');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STORE_JS = new URL('../../dist/src/io/store.js', import.meta.url).href;

/**
 * One worker. Modes: `churn DEADLINE` (open, write, close until the deadline), `once` (wait for the
 * store, write once, close), `hold` (write once and keep the store until killed). It prints `ack KEY`
 * for each acknowledged write, `overlap PID` for each live holder's marker found, `waiting` when it
 * first finds the store locked, and `held`.
 */
const WORKER = `
const fs = await import('node:fs');
const { openStore } = await import(${JSON.stringify(STORE_JS)});
const [dir, marker, id, mode, deadline] = process.argv.slice(1);
const nap = new Int32Array(new SharedArrayBuffer(4));
const say = (line) => fs.writeSync(1, line + '\\n');
function dead(pid) {
  try { process.kill(pid, 0); } catch { return true; }
  try { return /\\) [ZX] /.test(fs.readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch { return true; }
}
function takeMarker() {
  for (;;) {
    try { fs.writeFileSync(marker, String(process.pid), { flag: 'wx' }); return true; }
    catch (e) { if (e.code !== 'EEXIST') throw e; }
    let pid = 0;
    try { pid = Number(fs.readFileSync(marker, 'utf8')); } catch { continue; }
    if (!(pid > 0) || !dead(pid)) { say('overlap ' + pid); return false; }
    try { fs.unlinkSync(marker); } catch {}
  }
}
function open() {
  for (let tries = 0; tries < 200000; tries++) {
    try { return openStore(dir, { sync: 'always' }); }
    catch (e) {
      if (e.code !== 'LOCKED') throw e;
      if (tries === 0) say('waiting');
      Atomics.wait(nap, 0, 0, 1);
    }
  }
  throw new Error('never got the lock');
}
let n = 0;
do {
  const s = open();
  const mine = takeMarker();
  const key = id + '-' + n++;
  s.put(key, 'v');
  say('ack ' + key);
  if (mode === 'hold') { say('held'); setInterval(() => {}, 1000); break; }
  if (mine) fs.unlinkSync(marker);
  s.close();
} while (mode === 'churn' && Date.now() < Number(deadline));
`;

interface Worker {
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  kill(): void;
  /** Resolves once the worker printed `line`. */
  printed(line: string): Promise<void>;
}

function worker(id: string, mode: string, deadline = 0): Worker {
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    WORKER,
    store,
    marker,
    id,
    mode,
    String(deadline),
  ]);
  const lines: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.filter((x) => parts.includes(x.line))) w.resolve();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      if (code !== 0 && code !== null) lines.push(`stderr ${stderr}`);
      resolve(code);
    }),
  );
  return {
    lines,
    exited,
    kill: () => child.kill('SIGKILL'),
    printed: (line) =>
      new Promise((resolve) => {
        if (lines.includes(line)) resolve();
        else waiters.push({ line, resolve });
      }),
  };
}

function tally(workers: readonly Worker[]): { acks: string[]; others: string[] } {
  const all = workers.flatMap((w) => w.lines);
  return {
    acks: all.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)),
    others: all.filter((l) => !l.startsWith('ack ') && l !== 'held' && l !== 'waiting'),
  };
}

describe('the directory lock, on real processes', () => {
  it('lets one process in at a time, through churn and through kills, and loses no write', async () => {
    const churners = ['a', 'b', 'c', 'd'].map((id) => worker(id, 'churn', Date.now() + 5000));
    expect(await Promise.all(churners.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    const everyone = [...churners];
    for (let round = 0; round < 3; round++) {
      const holder = worker(`h${round}`, 'hold');
      everyone.push(holder);
      await holder.printed('held');
      const openers = Array.from({ length: 12 }, (_, i) => worker(`r${round}o${i}`, 'once'));
      everyone.push(...openers);
      // Kill the holder only once all 12 have found the store locked: they are racing for it.
      await Promise.all(openers.map((w) => w.printed('waiting')));
      holder.kill();
      await holder.exited;
      expect(await Promise.all(openers.map((w) => w.exited))).toEqual(openers.map(() => 0));
    }
    const { acks, others } = tally(everyone);
    console.log(`lock: ${acks.length} acknowledged writes by ${everyone.length} processes`);
    expect(others).toEqual([]); // no overlap, no worker error
    expect(acks.length).toBeGreaterThan(4 + 3 * 13);
    const s = openStore(store, { readOnly: true });
    const missing = acks.filter((key) => s.get(key) !== 'v');
    s.close();
    expect(missing).toEqual([]);
    expect(kvlab(['verify', '--dir', store])).toMatchObject({ code: 0 });
  });
});
