// The `kvlab` store commands (KVStore v3's public API as a CLI: kvstore_put, kvstore_search…), how
// each opens the store (read commands read-only), and the mapping from error codes to exit codes. Output goes through an Output so tests and the demo can run
// commands in-process; cli/main.ts binds it to the real stdout and stderr.

import { KvError, errorMessage, isKvError, type ErrorCode } from '../src/engine/errors.js';
import { FILES } from '../src/engine/plan.js';
import { systemErrorCode, type FileSystem } from '../src/io/fs.js';
import { openStore, type Store, type StoreOptions } from '../src/io/store.js';
import { EXIT, type Flags } from './flags.js';
import { hexLines, inspectDir, verifyDir } from './inspect.js';
import { showText } from './words.js';

export { EXIT, type Flags } from './flags.js';

/** The exit code for an error code (the table is EXIT_MEANING in flags.ts). */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
      return EXIT.notFound;
    case 'INVALID_ARGUMENT':
      return EXIT.usage;
    case 'CORRUPTED':
      return EXIT.corrupted;
    case 'LOCKED':
      return EXIT.locked;
    default:
      return EXIT.io;
  }
}

/** Where a command writes. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** A live status line that the next one overwrites (only on a terminal); '' clears it. */
  progress?(text: string): void;
}

function usage(detail: string): KvError {
  return new KvError('INVALID_ARGUMENT', detail);
}

/** What a data command produced: lines for people, a value for --json. */
export interface CommandOutput {
  readonly lines: readonly string[];
  readonly json: unknown;
  readonly exitCode: number;
  /** A list (scan, stats): the shell prints it as one JSON line, whatever its length. */
  readonly list?: true;
}

/** The arguments, checked to be exactly `n` of them. */
function arity(command: string, args: readonly string[], n: number): readonly string[] {
  if (args.length !== n)
    throw usage(`${command} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  return args;
}

function ok(lsn: number): CommandOutput {
  return { lines: [`ok ${lsn}`], json: { ok: true, lsn }, exitCode: EXIT.ok };
}

function getCommand(store: Store, key: string): CommandOutput {
  const value = store.get(key);
  if (value === undefined)
    return { lines: ['not-found'], json: { key, found: false }, exitCode: EXIT.notFound };
  return { lines: [showText(value)], json: { key, found: true, value }, exitCode: EXIT.ok };
}

function scanCommand(store: Store, flags: Flags): CommandOutput {
  const entries = store.scan({ from: flags.from, to: flags.to, limit: flags.limit });
  return {
    lines: entries.map((e) => `${showText(e.key)}\t${showText(e.value)}`),
    json: entries,
    exitCode: EXIT.ok,
    list: true,
  };
}

/** Stats, with what recovery found and did (or, read-only, would have done). */
function statsCommand(store: Store, readOnly: boolean): CommandOutput {
  const stats = store.stats();
  const r = store.recovery;
  const lines = Object.entries(stats)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${String(v)}`);
  lines.push(
    `recovered: snapshot LSN ${r.snapshotLsn} (${r.snapshotEntries} keys), ${r.replayed} of ${r.walRecords} log records replayed, ${r.dropped.length} regions dropped`,
  );
  const pending = readOnly ? ' (not done: this open was read-only)' : '';
  for (const repair of r.repairs) lines.push(`repair: ${repair}${pending}`);
  return {
    lines,
    json: { ...stats, recoveryReport: { ...r, repairsDone: !readOnly } },
    exitCode: EXIT.ok,
    list: true,
  };
}

/** Run one data command on an open store (the CLI's commands and the shell's lines both come here). */
export function runDataCommand(
  store: Store,
  command: string,
  args: readonly string[],
  flags: Flags,
  readOnly = false,
): CommandOutput {
  switch (command) {
    case 'put': {
      const [key = '', value = ''] = arity(command, args, 2);
      return ok(store.put(key, value));
    }
    case 'del':
      return ok(store.del(arity(command, args, 1)[0] ?? ''));
    case 'get':
      return getCommand(store, arity(command, args, 1)[0] ?? '');
    case 'scan':
      arity(command, args, 0);
      return scanCommand(store, flags);
    case 'snapshot':
      arity(command, args, 0);
      return ok(store.snapshot());
    case 'compact':
      arity(command, args, 0);
      return ok(store.compact());
    case 'sync':
      arity(command, args, 0);
      return ok(store.sync());
    case 'stats':
      arity(command, args, 0);
      return statsCommand(store, readOnly);
    default:
      throw usage(`unknown command "${command}"; kvlab help lists them`);
  }
}

/** The data commands, which need an open store, and how many arguments each takes. */
const ARITY: Readonly<Record<string, number>> = {
  put: 2,
  get: 1,
  del: 1,
  scan: 0,
  snapshot: 0,
  compact: 0,
  sync: 0,
  stats: 0,
};

/** The data commands, which need an open store. */
export const DATA_COMMANDS: readonly string[] = Object.keys(ARITY);

/** The data commands that only read: they open read-only, so they never change a file. */
const READ_COMMANDS: readonly string[] = ['get', 'scan', 'stats'];

/** Store options from the flags. */
function storeOptions(flags: Flags, fs?: FileSystem, readOnly = false): StoreOptions {
  return {
    sync: flags.sync,
    recovery: flags.recovery,
    readOnly,
    ...(fs === undefined ? {} : { fs }),
  };
}

/**
 * Say on stderr what a writable open repaired (`recovery cut the log …`), so that no file changes
 * silently. A brand-new store's first log is not a repair and is not reported.
 */
function reportRepairs(store: Store, output: Output): void {
  const r = store.recovery;
  const fresh = r.walRecords === 0 && r.snapshotLsn === 0 && r.dropped.length === 0;
  for (const repair of r.repairs) {
    if (fresh && repair === `created a new ${FILES.wal}`) continue;
    output.err(`kvlab: recovery ${repair}`);
  }
}

/** Open a store for a command: read commands read-only, writers with their repairs reported. */
export function openForCommand(
  command: string,
  flags: Flags,
  output: Output,
  fs?: FileSystem,
): { store: Store; readOnly: boolean } {
  const readOnly = READ_COMMANDS.includes(command);
  const store = openStore(flags.dir, storeOptions(flags, fs, readOnly));
  if (!readOnly) reportRepairs(store, output);
  return { store, readOnly };
}

function print(output: Output, result: CommandOutput, json: boolean): void {
  if (json) output.out(JSON.stringify(result.json));
  else for (const line of result.lines) output.out(line);
}

function inspectLine(f: ReturnType<typeof inspectDir>[number]): string {
  const lsn =
    f.headerLsn === undefined
      ? 'header damaged'
      : f.kind === 'log'
        ? `base LSN ${f.headerLsn}`
        : `covers LSN ${f.headerLsn}`;
  const withLsn = f.kind === 'log' || f.kind === 'snapshot' ? `, ${lsn}` : '';
  return `${f.file} (${f.kind}, ${f.sizeBytes} bytes${withLsn})`;
}

function runInspect(fs: FileSystem, flags: Flags, output: Output): number {
  const files = inspectDir(fs, flags.dir);
  if (flags.json) {
    output.out(JSON.stringify(files));
    return EXIT.ok;
  }
  for (const f of files) {
    output.out(inspectLine(f));
    if (flags.hex) {
      const bytes = fs.readFile(`${flags.dir}/${f.file}`) ?? new Uint8Array();
      for (const line of hexLines(bytes, f.layout)) output.out(line);
      continue;
    }
    for (const r of f.records) {
      for (const op of r.ops) {
        const value = op.op === 'put' ? ` ${showText(op.value)}` : '';
        const crc = r.crcOk ? 'ok' : 'BAD';
        output.out(
          `  @${r.offsetBytes} lsn=${r.lsn} ${op.op} ${showText(op.key)}${value} crc=${crc}`,
        );
      }
    }
    for (const p of f.problems) {
      const tail = p.followedByValid ? 'damaged region' : 'torn tail';
      output.out(`  @${p.offsetBytes} ${tail}: ${p.lengthBytes} bytes dropped (${p.reason})`);
    }
  }
  return EXIT.ok;
}

function runVerify(fs: FileSystem, flags: Flags, output: Output): number {
  const verdict = verifyDir(fs, flags.dir, flags.recovery);
  const ok = verdict.problems.length === 0 && !verdict.refuses;
  if (flags.json) output.out(JSON.stringify({ ok, ...verdict }));
  else if (ok) output.out('ok: every file is intact');
  else {
    for (const p of verdict.problems) output.out(`${p.file} @${p.offsetBytes}: ${p.what}`);
    output.out(verdict.open);
  }
  return ok ? EXIT.ok : EXIT.corrupted;
}

/** Commands that read files without opening the store (no lock, no repair, no file changed). */
export function runFileCommand(
  command: 'inspect' | 'verify',
  fs: FileSystem,
  flags: Flags,
  output: Output,
): number {
  try {
    fs.readdir(flags.dir);
  } catch (e) {
    if (systemErrorCode(e) === 'ENOENT')
      throw new KvError('NOT_FOUND', `no store directory at ${flags.dir}`, { file: flags.dir });
    throw new KvError('IO', `cannot read the directory: ${errorMessage(e)}`, { file: flags.dir });
  }
  return command === 'inspect' ? runInspect(fs, flags, output) : runVerify(fs, flags, output);
}

/** Open the store, run one data command, close. */
export function runStoreCommand(
  command: string,
  args: readonly string[],
  flags: Flags,
  output: Output,
  fs?: FileSystem,
): number {
  // Bad usage is reported before the store is opened, so that it never depends on the directory.
  const n = ARITY[command];
  if (n === undefined) throw usage(`unknown command "${command}"; kvlab help lists them`);
  arity(command, args, n);
  const { store, readOnly } = openForCommand(command, flags, output, fs);
  try {
    const result = runDataCommand(store, command, args, flags, readOnly);
    print(output, result, flags.json);
    return result.exitCode;
  } finally {
    store.close();
  }
}

/** Report an error the way every command does: one line, no stack for an expected error. */
export function reportError(e: unknown, output: Output, json: boolean): number {
  if (isKvError(e)) {
    if (json) output.out(JSON.stringify({ ok: false, code: e.code, message: e.message }));
    else output.err(`kvlab: ${e.message}`);
    return exitCodeFor(e.code);
  }
  // A system error that escaped a command (writing --out to a read-only place…) is the environment's,
  // not a bug: IO, or NOT_FOUND for a missing path, with the OS's message naming the path.
  const code = systemErrorCode(e);
  if (code !== undefined && /^E[A-Z]+$/.test(code)) {
    const kvCode = code === 'ENOENT' ? 'NOT_FOUND' : 'IO';
    return reportError(new KvError(kvCode, oneLine(errorMessage(e))), output, json);
  }
  // Not a KvError: a bug in kvlab. Still one line, but marked so it can be reported.
  output.err(`kvlab: unexpected error (a bug, please report it): ${oneLine(errorMessage(e))}`);
  return EXIT.io;
}

function oneLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
