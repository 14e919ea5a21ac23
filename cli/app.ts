// The `kvlab` command: argument parsing, the data commands (the seed's public API as a CLI), and the
// mapping from error codes to exit codes. Output goes through an Output so tests and the demo can run
// commands in-process; cli/main.ts binds it to the real stdout and stderr.

import { parseArgs } from 'node:util';
import { KvError, isKvError, type ErrorCode } from '../src/engine/errors.js';
import { RECOVERY_MODES, type RecoveryMode, type SyncMode } from '../src/engine/state.js';
import type { FileSystem } from '../src/io/fs.js';
import { openStore, type Store, type StoreOptions } from '../src/io/store.js';
import { inspectDir, verifyDir } from './inspect.js';
import { showText } from './words.js';

/** Exit codes, as documented in the README. */
export const EXIT = {
  ok: 0,
  notFound: 1,
  usage: 2,
  corrupted: 3,
  locked: 4,
  io: 5,
  violation: 6,
} as const;

/** The exit code for an error code. */
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

/** The options every command understands, and those of its own. */
export interface Flags {
  readonly dir: string;
  readonly json: boolean;
  readonly sync: SyncMode | undefined;
  readonly recovery: RecoveryMode | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly limit: number | undefined;
  readonly rest: Readonly<Record<string, string | boolean | undefined>>;
}

export const USAGE = `usage: kvlab <command> [arguments] [--dir DIR] [--json] [--sync always|none] [--recovery MODE]

store commands (on --dir, default ./kvlab-data):
  put KEY VALUE          set a key; prints "ok LSN" once durable under --sync
  get KEY                print the value (exit 1 when absent)
  del KEY                delete a key; prints "ok LSN"
  scan [--from K] [--to K] [--limit N]   keys in [from, to), in UTF-8 byte order
  snapshot | compact     write a snapshot | snapshot, then restart the log
  stats                  counters and settings
  inspect                every record of every file: offset, LSN, op, key, value, CRC
  verify                 exit 0 when every file is intact, else one line per problem (exit 3)
  shell                  commands from stdin, one per line, words or JSON strings: put "a b" "x\\ny"
  demo                   a short tour on a temporary directory

checker commands:
  fuzz [--time 60s | --runs N] [--seed S] [--crash kill|power|torn|all] [--faults crash,io,damage]
       [--shard i/n] [--bug NAME] [--out FILE] [--json]
                         run the model-based checker; exit 6 and write counterexample.json on a violation
  replay FILE [--html OUT.html]
                         run a counterexample again, step by step, and tell its story (--html: as a page)
  bugs [--docs]          list the bug zoo (kvlab with one classic mistake put back); --docs writes spec/bugs/
  table [--check]        write spec/guarantee-table.md, or check that it is up to date

recovery modes: ${RECOVERY_MODES.join(', ')} (default tolerate-tail)
exit codes: 0 ok, 1 not found, 2 usage, 3 corrupted, 4 locked, 5 I/O error or FAILED, 6 violation found`;

/** Extra options of the checker commands, parsed here so that every command shares one parser. */
const EXTRA_OPTIONS = {
  time: { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  crash: { type: 'string' },
  faults: { type: 'string' },
  shard: { type: 'string' },
  bug: { type: 'string' },
  out: { type: 'string' },
  check: { type: 'boolean' },
  docs: { type: 'boolean' },
  html: { type: 'string' },
} as const;

function usage(detail: string): KvError {
  return new KvError('INVALID_ARGUMENT', detail);
}

/** Parse argv into the command, its positionals and flags. Throws INVALID_ARGUMENT on bad usage. */
export function parseCommandLine(argv: readonly string[]): {
  command: string;
  args: string[];
  flags: Flags;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: 'string', default: './kvlab-data' },
        json: { type: 'boolean', default: false },
        sync: { type: 'string' },
        recovery: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        ...EXTRA_OPTIONS,
      },
    });
  } catch (e) {
    throw usage((e as Error).message);
  }
  const v = parsed.values;
  if (v.sync !== undefined && v.sync !== 'always' && v.sync !== 'none')
    throw usage(`--sync must be always or none, got ${v.sync}`);
  if (v.recovery !== undefined && !RECOVERY_MODES.includes(v.recovery as RecoveryMode)) {
    throw usage(`--recovery must be one of ${RECOVERY_MODES.join(', ')}, got ${v.recovery}`);
  }
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
    throw usage(`--limit must be a non-negative integer, got ${v.limit}`);
  const [command = v.help ? 'help' : '', ...args] = parsed.positionals;
  const rest: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(EXTRA_OPTIONS)) rest[name] = v[name as keyof typeof EXTRA_OPTIONS];
  return {
    command,
    args,
    flags: {
      dir: v.dir,
      json: v.json,
      sync: v.sync as SyncMode | undefined,
      recovery: v.recovery as RecoveryMode | undefined,
      from: v.from,
      to: v.to,
      limit,
      rest,
    },
  };
}

/** What a data command produced: lines for people, a value for --json. */
export interface CommandOutput {
  readonly lines: readonly string[];
  readonly json: unknown;
  readonly exitCode: number;
  /** A list (scan, stats): the shell prints it as one JSON line, whatever its length. */
  readonly list?: true;
}

function arity(command: string, args: readonly string[], n: number): void {
  if (args.length !== n)
    throw usage(`${command} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
}

/** Run one data command on an open store (the CLI's commands and the shell's lines both come here). */
export function runDataCommand(
  store: Store,
  command: string,
  args: readonly string[],
  flags: Flags,
): CommandOutput {
  const ok = (lsn: number): CommandOutput => ({
    lines: [`ok ${lsn}`],
    json: { ok: true, lsn },
    exitCode: EXIT.ok,
  });
  switch (command) {
    case 'put':
      arity(command, args, 2);
      return ok(store.put(args[0] as string, args[1] as string));
    case 'del':
      arity(command, args, 1);
      return ok(store.del(args[0] as string));
    case 'get': {
      arity(command, args, 1);
      const key = args[0] as string;
      const value = store.get(key);
      if (value === undefined)
        return { lines: ['not-found'], json: { key, found: false }, exitCode: EXIT.notFound };
      return { lines: [showText(value)], json: { key, found: true, value }, exitCode: EXIT.ok };
    }
    case 'scan': {
      arity(command, args, 0);
      const entries = store.scan({ from: flags.from, to: flags.to, limit: flags.limit });
      return {
        lines: entries.map((e) => `${showText(e.key)}\t${showText(e.value)}`),
        json: entries,
        exitCode: EXIT.ok,
        list: true,
      };
    }
    case 'snapshot':
      arity(command, args, 0);
      return ok(store.snapshot());
    case 'compact':
      arity(command, args, 0);
      return ok(store.compact());
    case 'sync':
      arity(command, args, 0);
      return ok(store.sync());
    case 'stats': {
      arity(command, args, 0);
      const stats = store.stats();
      return {
        lines: Object.entries(stats).map(([k, v]) => `${k}: ${String(v)}`),
        json: stats,
        exitCode: EXIT.ok,
        list: true,
      };
    }
    default:
      throw usage(`unknown command "${command}"; try kvlab help`);
  }
}

/** The data commands, which need an open store. */
export const DATA_COMMANDS: readonly string[] = [
  'put',
  'get',
  'del',
  'scan',
  'snapshot',
  'compact',
  'sync',
  'stats',
];

/** Store options from the flags. */
export function storeOptions(flags: Flags, fs?: FileSystem): StoreOptions {
  return { sync: flags.sync, recovery: flags.recovery, ...(fs === undefined ? {} : { fs }) };
}

function print(output: Output, result: CommandOutput, json: boolean): void {
  if (json) output.out(JSON.stringify(result.json));
  else for (const line of result.lines) output.out(line);
}

function runInspect(fs: FileSystem, flags: Flags, output: Output): number {
  const files = inspectDir(fs, flags.dir);
  if (flags.json) {
    output.out(JSON.stringify(files));
    return EXIT.ok;
  }
  for (const f of files) {
    const lsn =
      f.headerLsn === undefined
        ? 'header damaged'
        : f.kind === 'log'
          ? `base LSN ${f.headerLsn}`
          : `covers LSN ${f.headerLsn}`;
    output.out(
      `${f.file} (${f.kind}, ${f.sizeBytes} bytes${f.kind === 'log' || f.kind === 'snapshot' ? `, ${lsn}` : ''})`,
    );
    for (const r of f.records) {
      for (const op of r.ops) {
        const value = op.op === 'put' ? ` ${showText(op.value)}` : '';
        output.out(
          `  @${r.offsetBytes} lsn=${r.lsn} ${op.op} ${showText(op.key)}${value} crc=${r.crcOk ? 'ok' : 'BAD'}`,
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
  const problems = verifyDir(fs, flags.dir);
  if (flags.json) output.out(JSON.stringify({ ok: problems.length === 0, problems }));
  else if (problems.length === 0) output.out('ok: every file is intact');
  else for (const p of problems) output.out(`${p.file} @${p.offsetBytes}: ${p.what}`);
  return problems.length === 0 ? EXIT.ok : EXIT.corrupted;
}

/** Commands that read files without opening the store. */
export function runFileCommand(
  command: 'inspect' | 'verify',
  fs: FileSystem,
  flags: Flags,
  output: Output,
): number {
  try {
    fs.readdir(flags.dir);
  } catch {
    throw new KvError('NOT_FOUND', `no store directory at ${flags.dir}`, { file: flags.dir });
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
  const store = openStore(flags.dir, storeOptions(flags, fs));
  try {
    const result = runDataCommand(store, command, args, flags);
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
  output.err(
    `kvlab: unexpected error (a bug): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
  );
  return EXIT.io;
}
