// `kvlab inspect` and `kvlab verify`: read a store's files without opening the store (no lock, no
// repair) and describe every record, with its offset, LSN, op, key, value and whether its CRC
// holds. Both use the engine's own readers and its own judgement (assessLog, recoverFrom in
// src/engine/recovery.ts), so what they call damaged, and what they say open would do, is exactly
// what recovery does.

import { join } from 'node:path';
import { KvError, errorMessage, isKvError } from '../src/engine/errors.js';
import { logLayout, snapshotLayout, type LayoutField } from '../src/engine/layout.js';
import {
  CAREFUL,
  parseRecordAt,
  readLog,
  type Dropped,
  type WriteOp,
} from '../src/engine/logging.js';
import { resolveOptions } from '../src/engine/options.js';
import { FILES } from '../src/engine/plan.js';
import {
  assessLog,
  describeDropped,
  loadFiles,
  recoverFrom,
  type DamageKind,
  type RecoveryInput,
} from '../src/engine/recovery.js';
import { SNAPSHOT_HEADER_BYTES, parseEntryAt } from '../src/engine/snapshot.js';
import type { RecoveryMode } from '../src/engine/state.js';
import type { FileSystem } from '../src/io/fs.js';

/** One record or entry as inspect prints it. */
export interface InspectedRecord {
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  /** The record's LSN (log) or the snapshot's LSN (snapshot entries). */
  readonly lsn: number;
  readonly ops: readonly WriteOp[];
  readonly crcOk: boolean;
}

/** One file as inspect sees it. */
export interface InspectedFile {
  readonly file: string;
  readonly kind: 'log' | 'snapshot' | 'tmp' | 'lock' | 'other';
  readonly sizeBytes: number;
  /** The header's base LSN (log) or covered LSN (snapshot), when the header is intact. */
  readonly headerLsn: number | undefined;
  readonly records: readonly InspectedRecord[];
  /** Regions the engine's careful reader would drop, and why. */
  readonly problems: readonly Dropped[];
  /** Every field of the file, as `inspect --hex` prints it (logs and snapshots only). */
  readonly layout: readonly LayoutField[];
}

function kindOf(name: string): InspectedFile['kind'] {
  if (name === FILES.wal) return 'log';
  if (name === FILES.snapshot) return 'snapshot';
  if (name === FILES.walTmp || name === FILES.snapshotTmp) return 'tmp';
  if (name === FILES.lock) return 'lock';
  return 'other';
}

function inspectLog(file: string, bytes: Uint8Array): InspectedFile {
  // Structure without the CRC, to list every record even when its checksum fails; problems with it.
  const loose = readLog(bytes, file, { ...CAREFUL, verifyChecksum: false });
  const strict = loadFiles({ names: [FILES.wal], wal: bytes }).wal;
  return {
    file,
    kind: 'log',
    sizeBytes: bytes.length,
    headerLsn: strict?.baseLsn,
    records: (strict?.version === 2 ? loose.records : (strict?.records ?? [])).map((r) => ({
      offsetBytes: r.offsetBytes,
      lengthBytes: r.lengthBytes,
      lsn: r.lsn,
      ops: r.ops,
      crcOk: strict?.version !== 2 || parseRecordAt(bytes, r.offsetBytes).ok,
    })),
    problems: strict?.dropped ?? [],
    layout: logLayout(bytes),
  };
}

function inspectSnapshot(file: string, bytes: Uint8Array): InspectedFile {
  const strict = loadFiles({ names: [FILES.snapshot], snapshot: bytes }).snapshot;
  const layout = snapshotLayout(bytes);
  // Every marker the layout found starts an entry, intact or not; list those that still parse.
  const starts = layout.filter((f) => f.field === 'marker');
  const records = starts.flatMap((f): InspectedRecord[] => {
    const entry = parseEntryAt(bytes, f.offsetBytes, false);
    if (entry === undefined) return [];
    const ops: WriteOp[] = [{ op: 'put', key: entry.key, value: entry.value }];
    const crcOk = parseEntryAt(bytes, f.offsetBytes, true) !== undefined;
    const lengthBytes = entry.end - f.offsetBytes;
    return [{ offsetBytes: f.offsetBytes, lengthBytes, lsn: strict?.lsn ?? 0, ops, crcOk }];
  });
  return {
    file,
    kind: 'snapshot',
    sizeBytes: bytes.length,
    headerLsn: strict?.lsn,
    records: bytes.length >= SNAPSHOT_HEADER_BYTES ? records : [],
    problems: strict?.dropped ?? [],
    layout,
  };
}

/**
 * A directory entry's bytes. A store file (log, snapshot, tmp) that cannot be read (a subdirectory,
 * no permission) is an IO error naming it; any other entry is only listed, so it reads as empty.
 */
function readEntry(
  fs: FileSystem,
  dir: string,
  name: string,
  kind: InspectedFile['kind'],
): Uint8Array {
  try {
    return fs.readFile(join(dir, name)) ?? new Uint8Array();
  } catch (e) {
    if (kind === 'lock' || kind === 'other') return new Uint8Array();
    throw new KvError('IO', `cannot read ${name}: ${errorMessage(e)}`, { file: name });
  }
}

/** Inspect every file of a store directory. */
export function inspectDir(fs: FileSystem, dir: string): InspectedFile[] {
  return fs
    .readdir(dir)
    .sort()
    .map((name) => {
      const kind = kindOf(name);
      const bytes = readEntry(fs, dir, name, kind);
      if (kind === 'log' || name === FILES.walTmp) return { ...inspectLog(name, bytes), kind };
      if (kind === 'snapshot' || name === FILES.snapshotTmp)
        return { ...inspectSnapshot(name, bytes), kind };
      const empty = { headerLsn: undefined, records: [], problems: [], layout: [] };
      return { file: name, kind, sizeBytes: bytes.length, ...empty };
    });
}

/** The field-annotated hex dump of one file, one line per field (`kvlab inspect --hex`). */
export function hexLines(bytes: Uint8Array, layout: readonly LayoutField[]): string[] {
  return layout.map((f) => {
    const shown = bytes.subarray(f.offsetBytes, f.offsetBytes + Math.min(f.lengthBytes, 12));
    const hex = Buffer.from(shown).toString('hex') + (f.lengthBytes > 12 ? '…' : '');
    const record = f.recordIndex === undefined ? '' : ` [${f.recordIndex}]`;
    const note = f.note === undefined ? '' : ` ${f.note}`;
    return `  ${`@${f.offsetBytes}`.padEnd(7)} ${hex.padEnd(25)} ${f.field}${record}${note}`;
  });
}

/** A problem `kvlab verify` reports: the file, the offset, and what is wrong. */
export interface VerifyProblem {
  readonly file: string;
  readonly offsetBytes: number;
  readonly what: string;
}

/** What each kind of log damage means, in the words of spec/guarantees.md. */
const MEANING: Readonly<Record<DamageKind, string>> = {
  header: 'the log header is missing or damaged: only salvage opens',
  'torn-tail': 'a torn tail: recovery cuts it',
  unsynced: 'damage to writes never synced: tolerate-tail drops it, and the records after it',
  synced: 'damage to synced data: tolerate-tail refuses',
};

/** What `kvlab verify` found: the problems, and what opening in `mode` would do. */
export interface Verdict {
  /** Every damaged region of the log and snapshot, and what it means. */
  readonly problems: readonly VerifyProblem[];
  /** What an open in the mode does: "opens: <repairs>" or "refuses: <CORRUPTED message>". */
  readonly open: string;
  /** True when the open in the mode refuses. */
  readonly refuses: boolean;
}

/**
 * Every problem in a store's files, and what open in `mode` does about them: recovery's own
 * verdict.
 */
export function verifyDir(
  fs: FileSystem,
  dir: string,
  mode: RecoveryMode = 'tolerate-tail',
): Verdict {
  const names = fs.readdir(dir);
  const read = (name: string, kind: 'log' | 'snapshot') =>
    names.includes(name) ? readEntry(fs, dir, name, kind) : undefined;
  const input: RecoveryInput = {
    names,
    wal: read(FILES.wal, 'log'),
    snapshot: read(FILES.snapshot, 'snapshot'),
  };
  const files = loadFiles(input);
  const problems: VerifyProblem[] = (files.snapshot?.dropped ?? []).map((d) => ({
    file: d.file,
    offsetBytes: d.offsetBytes,
    what: `${describeDropped(d)} (the snapshot is damaged: only salvage opens)`,
  }));
  const damage = files.wal === undefined ? [] : assessLog(files.wal, files.snapshot?.lsn ?? 0);
  for (const d of damage)
    problems.push({
      file: d.region.file,
      offsetBytes: d.region.offsetBytes,
      what: `${describeDropped(d.region)} (${MEANING[d.kind]})`,
    });
  let open: string;
  let refuses = false;
  try {
    const t = recoverFrom(files, resolveOptions({ recovery: mode }));
    const cuts = t.result.repairs.filter((r) => !r.startsWith('removed'));
    open = `opens in ${mode} at LSN ${t.result.lastLsn}${cuts.length > 0 ? `, and ${cuts.join('; ')}` : ''}`;
  } catch (e) {
    if (!isKvError(e, 'CORRUPTED')) throw e;
    refuses = true;
    open = `refuses in ${mode}: ${errorMessage(e)}`;
    if (problems.length === 0)
      problems.push({
        file: e.file ?? FILES.wal,
        offsetBytes: e.offsetBytes ?? 0,
        what: errorMessage(e),
      });
  }
  return { problems, open, refuses };
}
