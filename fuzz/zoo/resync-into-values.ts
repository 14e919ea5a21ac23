// Bug zoo, format v1's reader (issue 8): after a bad record, resync byte by byte at any offset that
// parses, so that the bytes of a record inside a user's value pass for a record of the log.
import { ENGINE } from '../../src/engine/engine.js';
import { readLog } from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';
import { loadFiles, recoverFrom } from '../../src/engine/recovery.js';
import type { BugVariant } from './variant.js';

export const resyncIntoValues: BugVariant = {
  name: 'resync-into-values',
  summary:
    'after a bad record the reader resyncs at any offset that parses, and lands inside a value',
  origin:
    "kvlab's own format v1: readLog scanned byte by byte for the next intact record (LevelDB's log_reader.cc warns of this)",
  mistake:
    "After a damaged or torn record, the reader looks for the next intact record at every byte offset, and accepts any that parses with a CRC that holds and a higher LSN. But a user's value may hold exactly such bytes: a record of the store's own format, copied into a value (a backup of a log, a test fixture, a replication stream). When the put carrying that value is torn by a kill, the reader finds the record inside the value, calls the torn tail damage in the middle of the log, and refuses to open; salvage brings back a key that was never written.",
  exposedBy:
    "A kill that tears a put whose value holds an encoded record with a higher LSN (model/values.ts generates such values from kvlab's own encoder).",
  fix: 'Format v2 (spec/format.md): every record starts with the byte 0xFF, which valid UTF-8 never holds, and every integer of ours is written in 7-bit groups, so 0xFF occurs only where a record begins; the reader resyncs only at a 0xFF (src/engine/logging.ts, findNextValid).',
  faults: { crash: 'kill', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    recover(input, options) {
      // The careless reader: CRCs checked, but no marker required, and resync at every byte.
      const careless = { verifyChecksum: true, markers: false };
      const wal = input.wal === undefined ? undefined : readLog(input.wal, FILES.wal, careless);
      return recoverFrom({ ...loadFiles(input), wal }, options);
    },
  },
};
