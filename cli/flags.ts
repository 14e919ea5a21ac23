// The `kvlab` command line: every command and option as data (one table), the typed Flags they parse
// into, and the help printed from the same table. Parsing is node:util parseArgs (strict, typed,
// built in: no dependency for a job this size) behind a small pass that decides what is an option:
// `--name` words are options, a lone `-x` or `-1` is data, and everything after `--` is data.

import { parseArgs } from 'node:util';
import { KvError, errorMessage } from '../src/engine/errors.js';
import { RECOVERY_MODES, type RecoveryMode, type SyncMode } from '../src/engine/state.js';

/** Every option kvlab knows: its type and its line in the help. */
const OPTIONS = {
  dir: { type: 'string', help: 'the store directory (default ./kvlab-data)' },
  json: { type: 'boolean', help: 'print JSON instead of text' },
  sync: { type: 'string', help: 'always (fsync every write, the default) or none' },
  recovery: { type: 'string', help: `${RECOVERY_MODES.join(' | ')} (default tolerate-tail)` },
  from: { type: 'string', help: 'first key of a scan (inclusive)' },
  to: { type: 'string', help: 'end of a scan (exclusive)' },
  limit: { type: 'string', help: 'at most N entries' },
  time: { type: 'string', help: 'how long to fuzz: 60s, 2m, 500ms' },
  runs: { type: 'string', help: 'how many histories to fuzz' },
  seed: { type: 'string', help: 'the PRNG seed of a campaign' },
  crash: { type: 'string', help: 'kill | power | torn | all (check: kill | power | all | none)' },
  faults: { type: 'string', help: 'a list of crash, io, damage' },
  shard: { type: 'string', help: 'i/n: this run takes one shard of n' },
  bug: { type: 'string', help: 'a bug variant from `kvlab bugs`' },
  out: { type: 'string', help: 'where to write (counterexample, docs, table)' },
  check: { type: 'boolean', help: 'check that the table is up to date (exit 7 if not)' },
  docs: { type: 'boolean', help: 'write spec/bugs/' },
  html: { type: 'string', help: 'also write the story as a self-contained HTML page at this path' },
  hex: { type: 'boolean', help: 'every field of every record, annotated, as the decoder reads it' },
  help: { type: 'boolean', help: 'print help for the command, and do nothing else' },
  depth: { type: 'string', help: 'check: the number of commands in a history (0 to 12)' },
  keys: { type: 'string', help: 'check: the key alphabet, a comma-separated list (a,b)' },
  values: {
    type: 'string',
    help: 'check: the value alphabet (x,@raw-record); @record, @raw-record hold a record',
  },
  ops: {
    type: 'string',
    help: 'check: a list of put, del, batch, snapshot, compact, sync, close',
  },
} as const;

/** The name of an option. */
type OptionName = keyof typeof OPTIONS;

const STORE = ['dir', 'json', 'sync', 'recovery'] as const;
const FUZZ = ['time', 'runs', 'seed', 'crash', 'faults', 'shard', 'bug', 'out', 'json'] as const;
const CHECK = ['depth', 'keys', 'values', 'ops', 'crash', 'faults', 'sync', 'recovery'] as const;

/** A command: its arguments, what it does, and the options it takes. */
interface CommandSpec {
  readonly args: string;
  readonly summary: string;
  readonly options: readonly OptionName[];
}

/** Every command, in the order the help lists them. */
const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  put: { args: 'KEY VALUE', summary: 'set a key; prints "ok LSN" once durable', options: STORE },
  get: { args: 'KEY', summary: 'print the value (exit 1 when absent)', options: STORE },
  del: { args: 'KEY', summary: 'delete a key; prints "ok LSN"', options: STORE },
  scan: {
    args: '',
    summary: 'keys in [from, to), in UTF-8 byte order',
    options: [...STORE, 'from', 'to', 'limit'],
  },
  snapshot: { args: '', summary: 'write a snapshot of the whole state', options: STORE },
  compact: { args: '', summary: 'snapshot, then restart the log after it', options: STORE },
  sync: { args: '', summary: 'make every write durable (for --sync none)', options: STORE },
  stats: { args: '', summary: 'counters, settings, and what recovery did', options: STORE },
  inspect: {
    args: '',
    summary: 'every record of every file: offset, LSN, CRC; --hex: every field',
    options: [...STORE, 'hex'],
  },
  verify: {
    args: '',
    summary: 'exit 0 when every file is intact, else 3, with what an open in --recovery does',
    options: STORE,
  },
  shell: {
    args: '',
    summary: 'commands from stdin, one per line: words or JSON strings',
    options: STORE,
  },
  demo: { args: '', summary: 'a short tour on a temporary directory', options: [] },
  fuzz: { args: '', summary: 'run the model-based checker; exit 6 on a violation', options: FUZZ },
  check: {
    args: '',
    summary: 'explore every history up to --depth, every crash image; exit 6 on a violation',
    options: [...CHECK, 'shard', 'bug', 'out', 'json'],
  },
  replay: {
    args: 'FILE',
    summary: 'tell the story of a counterexample again (--html: as a page)',
    options: ['json', 'html'],
  },
  bugs: {
    args: '',
    summary: 'list the bug zoo; --docs writes spec/bugs/',
    options: ['docs', 'out', 'json'],
  },
  table: {
    args: '',
    summary: 'write spec/guarantee-table.md, or --check it',
    options: ['check', 'out'],
  },
  help: { args: '[COMMAND]', summary: "this help, or one command's", options: ['json'] },
};

/** True when `name` is a kvlab command. */
export function isCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}

/** Exit codes: the one table the help, the README and spec/guarantees.md print. */
export const EXIT = {
  ok: 0,
  notFound: 1,
  usage: 2,
  corrupted: 3,
  locked: 4,
  io: 5,
  violation: 6,
  outdated: 7,
} as const;

/** What each exit code means, for the help and `help --json`. */
export const EXIT_MEANING: Readonly<Record<number, string>> = {
  0: 'ok',
  1: 'not found (a key, a store directory, a file)',
  2: 'usage: a bad command, option or argument',
  3: 'corrupted: a file is damaged beyond what the recovery mode accepts',
  4: 'locked: another process holds the store',
  5: 'I/O error, or the store FAILED',
  6: 'the checker found a violation',
  7: 'table --check: the committed table is out of date',
};

/** The parsed options, typed. */
export interface Flags {
  readonly dir: string;
  readonly json: boolean;
  readonly sync: SyncMode | undefined;
  readonly recovery: RecoveryMode | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly limit: number | undefined;
  readonly time: string | undefined;
  readonly runs: string | undefined;
  readonly seed: string | undefined;
  readonly crash: string | undefined;
  readonly faults: string | undefined;
  readonly shard: string | undefined;
  readonly bug: string | undefined;
  readonly out: string | undefined;
  readonly check: boolean;
  readonly docs: boolean;
  readonly hex: boolean;
  readonly html: string | undefined;
  readonly help: boolean;
  readonly depth: number | undefined;
  readonly keys: string | undefined;
  readonly values: string | undefined;
  readonly ops: string | undefined;
}

/** A parsed command line. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
  readonly flags: Flags;
}

function usage(detail: string): KvError {
  return new KvError('INVALID_ARGUMENT', detail);
}

function isOption(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

/** Split argv into option words (for parseArgs) and data words. */
function separate(argv: readonly string[]): { options: string[]; data: string[] } {
  const options: string[] = [];
  const data: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      data.push(...argv.slice(i + 1));
      break;
    }
    if (word === '-h') options.push('--help');
    else if (!word.startsWith('--')) data.push(word);
    else {
      const name = word.slice(2).split('=')[0] ?? '';
      const takesValue = isOption(name) && OPTIONS[name].type === 'string' && !word.includes('=');
      // `--from -a`: the next word is the value whatever it starts with.
      if (takesValue && i + 1 < argv.length) options.push(`${word}=${argv[++i] ?? ''}`);
      else options.push(word);
    }
  }
  return { options, data };
}

function parseOptions(words: readonly string[]): ReturnType<typeof parseStrict>['values'] {
  try {
    return parseStrict(words).values;
  } catch (e) {
    const message = errorMessage(e);
    throw usage(message.split('\n')[0] ?? message);
  }
}

/** parseArgs over the option table (its `help` fields are ignored), so values come out typed. */
function parseStrict(words: readonly string[]) {
  return parseArgs({ args: [...words], options: OPTIONS, strict: true, allowPositionals: false });
}

function checkChoice<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  const found = choices.find((c) => c === value);
  if (found === undefined)
    throw usage(`--${name} must be one of ${choices.join(', ')}, got ${value}`);
  return found;
}

/** A non-negative integer option, or undefined when absent. */
function naturalNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(/^\d+$/.test(text) && Number.isSafeInteger(n)))
    throw usage(`--${name} must be a non-negative integer, got ${text}`);
  return n;
}

/** Parse argv into the command, its data words and typed flags. Throws INVALID_ARGUMENT. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { options, data } = separate(argv);
  const v = parseOptions(options);
  const [command = '', ...args] = data;
  const flags: Flags = {
    dir: v.dir ?? './kvlab-data',
    json: v.json ?? false,
    sync: checkChoice('sync', v.sync, ['always', 'none'] as const),
    recovery: checkChoice('recovery', v.recovery, RECOVERY_MODES),
    from: v.from,
    to: v.to,
    limit: naturalNumber('limit', v.limit),
    time: v.time,
    runs: v.runs,
    seed: v.seed,
    crash: v.crash,
    faults: v.faults,
    shard: v.shard,
    bug: v.bug,
    out: v.out,
    check: v.check ?? false,
    docs: v.docs ?? false,
    hex: v.hex ?? false,
    html: v.html,
    help: v.help ?? false,
    depth: naturalNumber('depth', v.depth),
    keys: v.keys,
    values: v.values,
    ops: v.ops,
  };
  if (!flags.help && command !== '') checkOptionsFit(command, options);
  return { command, args, flags };
}

/** Reject an option the command does not take (`put --limit 3` is a mistake, not a no-op). */
function checkOptionsFit(command: string, optionWords: readonly string[]): void {
  const spec = COMMANDS[command];
  if (spec === undefined) throw usage(`unknown command "${command}"; kvlab help lists them`);
  for (const word of optionWords) {
    const name = word.slice(2).split('=')[0] ?? '';
    if (isOption(name) && name !== 'help' && !spec.options.includes(name))
      throw usage(`${command} does not take --${name}; kvlab ${command} --help lists its options`);
  }
}

function commandLine(name: string, spec: CommandSpec): string {
  return `${name}${spec.args === '' ? '' : ` ${spec.args}`}`;
}

/** The help: every command, or one command with its options. */
export function helpText(command?: string): string {
  const spec = command === undefined ? undefined : COMMANDS[command];
  if (command !== undefined && spec !== undefined) {
    const lines = [`usage: kvlab ${commandLine(command, spec)}`, '', spec.summary];
    if (spec.options.length > 0) lines.push('', 'options:');
    for (const o of spec.options) lines.push(`  --${o.padEnd(10)} ${OPTIONS[o].help}`);
    lines.push('', 'Words starting with a single - are data; after --, every word is data.');
    return lines.join('\n');
  }
  const lines = ['usage: kvlab <command> [arguments] [options]', '', 'commands:'];
  for (const [name, s] of Object.entries(COMMANDS))
    lines.push(`  ${commandLine(name, s).padEnd(16)} ${s.summary}`);
  lines.push('', "kvlab COMMAND --help shows a command's options.", '', 'exit codes:');
  for (const [code, meaning] of Object.entries(EXIT_MEANING)) lines.push(`  ${code}  ${meaning}`);
  return lines.join('\n');
}

/** The help as data, for `kvlab help --json`. */
export function helpJson(command?: string): unknown {
  const names = command === undefined ? Object.keys(COMMANDS) : [command];
  return {
    commands: names.flatMap((name) => {
      const spec = COMMANDS[name];
      if (spec === undefined) return [];
      const options = spec.options.map((o) => ({
        name: `--${o}`,
        type: OPTIONS[o].type,
        help: OPTIONS[o].help,
      }));
      return [{ name, args: spec.args, summary: spec.summary, options }];
    }),
    exitCodes: EXIT_MEANING,
  };
}
