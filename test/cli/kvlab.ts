// Helpers for the CLI tests: run the built `kvlab` (dist/, built by `npm test` before vitest runs).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built executable. */
export const KVLAB = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Run `kvlab args...` to completion. */
export function kvlab(
  args: readonly string[],
  input?: string,
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KVLAB, ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A running `kvlab shell` and a way to read its answers line by line. */
export interface ShellProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the next output line, or undefined once the process has exited. */
  nextLine(): Promise<string | undefined>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function startShell(args: readonly string[]): ShellProcess {
  const child = spawn(process.execPath, [KVLAB, 'shell', ...args]);
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let buffer = '';
  let ended = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      ended = true;
      for (const w of waiting.splice(0)) w(undefined);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    nextLine: () =>
      new Promise((resolve) => {
        const line = lines.shift();
        if (line !== undefined || ended) resolve(line);
        else waiting.push(resolve);
      }),
  };
}
