// Real processes, real disk: `kvlab shell --sync always` is killed with SIGKILL at random moments, many
// rounds on one directory. After each kill the directory is reopened and checked: every write answered
// `ok` is there, and the state is the result of a prefix of the commands sent (guarantees.md, "After a
// process kill"). Compactions are in the stream, so kills land inside them too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '../prng.js';
import { runSeed } from '../seed.js';
import { kvlab, startShell } from './kvlab.js';

type Command =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'del'; readonly key: string }
  | { readonly op: 'compact' };

const ROUNDS = 10;
const COMMANDS_PER_ROUND = 150;
const dir = mkdtempSync(join(tmpdir(), 'kvlab-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function apply(state: Map<string, string>, c: Command): void {
  if (c.op === 'put') state.set(c.key, c.value);
  else if (c.op === 'del') state.delete(c.key);
}

function readState(): Map<string, string> {
  const r = kvlab(['scan', '--json', '--dir', dir]);
  expect(r.code, r.stderr).toBe(0);
  return new Map(
    (JSON.parse(r.stdout) as { key: string; value: string }[]).map((e) => [e.key, e.value]),
  );
}

/** The k in [acked, sent] such that base + commands[0..k) equals `recovered`, or -1. */
function prefixLength(
  base: Map<string, string>,
  commands: readonly Command[],
  acked: number,
  sent: number,
  recovered: Map<string, string>,
): number {
  const state = new Map(base);
  const same = (): boolean =>
    state.size === recovered.size && [...state].every(([k, v]) => recovered.get(k) === v);
  for (let k = 0; k <= sent; k++) {
    if (k >= acked && same()) return k;
    if (k < commands.length) apply(state, commands[k] as Command);
  }
  return -1;
}

describe('SIGKILL during kvlab shell --sync always', () => {
  it(`loses no acknowledged write over ${ROUNDS} kills, and recovers a prefix`, async () => {
    const seed = runSeed();
    console.log(
      `[seed] kill rounds: seed=${seed} (rerun: KVLAB_SEED=${seed} npx vitest run test/cli/kill.test.ts)`,
    );
    const random = prng(seed);
    let state = new Map<string, string>();
    for (let round = 0; round < ROUNDS; round++) {
      const commands: Command[] = Array.from({ length: COMMANDS_PER_ROUND }, (_, i): Command => {
        const roll = random.int(20);
        const key = `k${random.int(12)}`;
        if (roll === 0) return { op: 'compact' };
        if (roll < 5) return { op: 'del', key };
        return { op: 'put', key, value: `r${round}-${i}` };
      });
      const killAfter = random.int(COMMANDS_PER_ROUND);
      const shell = startShell(['--dir', dir, '--sync', 'always']);
      shell.child.stdin.write(
        `${commands
          .map((c) =>
            c.op === 'put'
              ? `put ${c.key} ${c.value}`
              : c.op === 'del'
                ? `del ${c.key}`
                : 'compact',
          )
          .join('\n')}\n`,
      );
      let acked = 0;
      while (acked < killAfter) {
        const line = await shell.nextLine();
        if (line === undefined) break;
        expect(line, `round ${round}`).toMatch(/^ok \d+$/);
        acked++;
      }
      shell.child.kill('SIGKILL');
      await shell.exited;
      const recovered = readState();
      const k = prefixLength(state, commands, acked, commands.length, recovered);
      expect(
        k,
        `round ${round} (seed ${seed}): ${acked} acknowledged, recovered state is no prefix of length >= ${acked}`,
      ).toBeGreaterThanOrEqual(acked);
      for (let i = 0; i < k; i++) apply(state, commands[i] as Command);
      state = recovered;
    }
    expect(kvlab(['verify', '--dir', dir]).code).toBe(0);
  });
});
