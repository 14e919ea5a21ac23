// Bug zoo, KVStore v3 mistake 6 (kvstore_load_snapshot): the snapshot loader checks no CRC.
import { ENGINE } from '../../src/engine/engine.js';
import { FILES } from '../../src/engine/plan.js';
import { loadFiles, recoverFrom } from '../../src/engine/recovery.js';
import { readSnapshot } from '../../src/engine/snapshot.js';
import type { BugVariant } from './variant.js';

export const trustingSnapshotLoader: BugVariant = {
  name: 'trusting-snapshot-loader',
  summary: 'the snapshot loader trusts its file and checks no CRC',
  origin:
    'KVStore v3 mistake 6: kvstore_load_snapshot parses lines with sscanf and ignores the CRC ("snapshot 是可信文件")',
  mistake:
    'The seed wrote a CRC on every snapshot line and never checked it on load. A flipped bit in a snapshot becomes a wrong value, silently, and the log that could have told is no longer there after compaction.',
  exposedBy: 'Damage to a byte of the snapshot.',
  fix: 'A CRC per entry, the count in the header and the trailer, and a CRC of the whole file, all checked on load (src/engine/snapshot.ts, readSnapshot).',
  faults: { crash: 'none', ioError: false, damage: true },
  engine: {
    ...ENGINE,
    recover(input, options) {
      const files = loadFiles(input);
      const snapshot =
        input.snapshot === undefined
          ? undefined
          : readSnapshot(input.snapshot, FILES.snapshot, false);
      return recoverFrom({ ...files, snapshot }, options);
    },
  },
};
