// Bug zoo, KVStore v3 mistake 5 and ALICE's "rename without a directory fsync".
import { ENGINE } from '../../src/engine/engine.js';
import { editPlans, without, type BugVariant } from './variant.js';

export const noDirFsync: BugVariant = {
  name: 'no-dir-fsync',
  summary: 'renames and creates are never followed by an fsync of the directory',
  origin: 'KVStore v3 mistake 5, and ALICE: a rename is not durable until its directory is fsynced',
  mistake:
    "rename() is atomic, but it is not durable: the new directory entry lives in the directory's own metadata, which reaches the disk only when the directory is fsynced (or when the filesystem gets around to it). After a power loss the rename may be undone: the new log or snapshot vanishes, and everything written to it since goes with it.",
  exposedBy:
    'A power loss after a compaction whose renames were never made durable, with writes after it.',
  fix: 'Every create and rename is followed by an fsync of the directory (src/engine/plan.ts, planReplaceFile).',
  faults: { crash: 'power', ioError: false, damage: false },
  engine: editPlans(
    ENGINE,
    without((s) => s.kind === 'fsyncDir'),
  ),
};
