// Bug zoo, KVStore v3 mistake 4 (kvstore_log_put, kvstore_log_del): appends are flushed, never fsynced.
import { ENGINE } from '../../src/engine/engine.js';
import { FILES } from '../../src/engine/plan.js';
import { editPlans, without, type BugVariant } from './variant.js';

export const noLogFsync: BugVariant = {
  name: 'no-log-fsync',
  summary: 'log appends are fflush()ed to the OS but never fsynced',
  origin: 'KVStore v3 mistake 4: kvstore_log_put calls fflush, and the fsync is commented out',
  mistake:
    'fflush hands the bytes to the kernel, which keeps them in the page cache. The write is acknowledged, and a process crash would not lose it, but the bytes are not on the disk until the kernel decides to write them back.',
  exposedBy: 'A power loss after an acknowledged write.',
  fix: 'Under sync "always" every append is followed by an fsync of the log before the call returns (src/engine/execution.ts, planAppend).',
  faults: { crash: 'power', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    write: editPlans(
      ENGINE,
      without((s) => s.kind === 'fsync' && s.file === FILES.wal),
    ).write,
  },
};
