// Bug zoo, KVStore v3 mistake 2 (kvstore_compact): the log is replaced before the snapshot is written.
import { ENGINE } from '../../src/engine/engine.js';
import { planCompact, planNewLog, planSnapshotFile } from '../../src/engine/maintenance.js';
import type { BugVariant } from './variant.js';

export const logBeforeSnapshot: BugVariant = {
  name: 'log-before-snapshot',
  summary: 'kvstore_compact replaces the log before it writes the snapshot',
  origin:
    'KVStore v3 mistake 2: kvstore_compact renames the new log, then calls kvstore_create_snapshot',
  mistake:
    'The seed rewrites the log from memory and renames it over the old one, and only then writes the snapshot. Between the two, the disk holds the old snapshot and a log that no longer has the records since it. In the seed the new log held PUTs only, so a key deleted since the old snapshot came back; in kvlab the new log starts after the snapshot it expects, so recovery finds writes that exist nowhere.',
  exposedBy:
    'A crash (kill or power loss) between the log rename and the snapshot rename of a compaction.',
  fix: 'Write the snapshot first and make it durable (fsync, rename, directory fsync); only then replace the log (src/engine/maintenance.ts, planCompact).',
  faults: { crash: 'kill', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    compact(state) {
      const t = planCompact(state);
      return { ...t, plan: [...planNewLog(state.lastLsn), ...planSnapshotFile(state)] };
    },
  },
};
