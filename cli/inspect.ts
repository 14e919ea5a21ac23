// `kvlab inspect` and `kvlab verify`: read a store's files without opening the store (no lock, no
// repair) and describe every record, with its offset, LSN, op, key, value and whether its CRC holds.
// It uses the engine's own readers, so what it calls damaged is exactly what recovery would drop.

import { join } from 'node:path';
import {
  decodeWalHeader,
  readLog,
  recordChecksumOk,
  type Dropped,
  type WriteOp,
} from '../src/engine/logging.js';
import { KvError, errorMessage } from '../src/engine/errors.js';
import { FILES } from '../src/engine/plan.js';
import {
  ENTRY_HEADER_BYTES,
  SNAPSHOT_HEADER_BYTES,
  parseEntryAt,
  readSnapshot,
} from '../src/engine/snapshot.js';
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
}

function kindOf(name: string): InspectedFile['kind'] {
  if (name === FILES.wal) return 'log';
  if (name === FILES.snapshot) return 'snapshot';
  if (name === FILES.walTmp || name === FILES.snapshotTmp) return 'tmp';
  if (name === FILES.lock) return 'lock';
  return 'other';
}

function inspectLog(file: string, bytes: Uint8Array): InspectedFile {
  // Structure without the CRC, to list every record even when its checksum fails; problems with the CRC.
  const loose = readLog(bytes, file, false);
  const strict = readLog(bytes, file, true);
  return {
    file,
    kind: 'log',
    sizeBytes: bytes.length,
    headerLsn: decodeWalHeader(bytes)?.baseLsn,
    records: loose.records.map((r) => ({
      offsetBytes: r.offsetBytes,
      lengthBytes: r.lengthBytes,
      lsn: r.lsn,
      ops: r.ops,
      crcOk: recordChecksumOk(bytes, r.offsetBytes, r.lengthBytes),
    })),
    problems: strict.dropped,
  };
}

function inspectSnapshot(file: string, bytes: Uint8Array): InspectedFile {
  const strict = readSnapshot(bytes, file, true);
  const loose = readSnapshot(bytes, file, false);
  let at = SNAPSHOT_HEADER_BYTES;
  const encoder = new TextEncoder();
  const records = loose.entries.map(([key, value]) => {
    const lengthBytes =
      ENTRY_HEADER_BYTES + encoder.encode(key).length + encoder.encode(value).length;
    const record: InspectedRecord = {
      offsetBytes: at,
      lengthBytes,
      lsn: loose.lsn ?? 0,
      ops: [{ op: 'put', key, value }],
      crcOk: parseEntryAt(bytes, at, true) !== undefined,
    };
    at += lengthBytes;
    return record;
  });
  return {
    file,
    kind: 'snapshot',
    sizeBytes: bytes.length,
    headerLsn: strict.lsn,
    records,
    problems: strict.dropped,
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
      return {
        file: name,
        kind,
        sizeBytes: bytes.length,
        headerLsn: undefined,
        records: [],
        problems: [],
      };
    });
}

/** A problem `kvlab verify` reports: the file, the offset, and what is wrong. */
export interface VerifyProblem {
  readonly file: string;
  readonly offsetBytes: number;
  readonly what: string;
}

const EXPLAIN: Readonly<Record<Dropped['reason'], string>> = {
  'missing-header': 'the file is shorter than its header',
  'bad-header': 'the header is damaged (magic, version or CRC)',
  'truncated-record': 'a record is cut short',
  'bad-length': 'a length field is impossible',
  'bad-checksum': 'a checksum does not match',
  'bad-payload': 'a record is malformed inside',
  'lsn-out-of-order': 'an LSN does not follow the one before',
};

/** Every problem in a store's files; an empty list means every file is intact. */
export function verifyDir(fs: FileSystem, dir: string): VerifyProblem[] {
  const files = inspectDir(fs, dir);
  const problems: VerifyProblem[] = [];
  for (const f of files) {
    if (f.kind !== 'log' && f.kind !== 'snapshot') continue;
    for (const d of f.problems) {
      const where =
        d.followedByValid || f.kind === 'snapshot' ? '' : ' (a torn tail: recovery cuts it)';
      problems.push({
        file: f.file,
        offsetBytes: d.offsetBytes,
        what: `${EXPLAIN[d.reason]}, ${d.lengthBytes} bytes${where}`,
      });
    }
  }
  const log = files.find((f) => f.kind === 'log');
  const snap = files.find((f) => f.kind === 'snapshot');
  if (log === undefined && snap !== undefined)
    problems.push({ file: FILES.wal, offsetBytes: 0, what: 'the log is missing' });
  if (log?.headerLsn !== undefined && log.headerLsn > (snap?.headerLsn ?? 0)) {
    problems.push({
      file: FILES.wal,
      offsetBytes: 0,
      what: `the log starts after LSN ${log.headerLsn} but the snapshot covers only LSN ${snap?.headerLsn ?? 0}`,
    });
  }
  return problems;
}
