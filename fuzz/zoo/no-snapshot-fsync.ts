// Bug zoo, the "fsync of the snapshot before its rename" and ALICE's "rename without fsync".
import { ENGINE } from '../../src/engine/engine.js';
import { FILES } from '../../src/engine/plan.js';
import { editPlans, without, type BugVariant } from './variant.js';

export const noSnapshotFsync: BugVariant = {
  name: 'no-snapshot-fsync',
  summary: 'the snapshot is renamed into place before its data is fsynced',
  origin: 'ALICE: a rename is ordered before the data it publishes only with an fsync between them',
  mistake:
    'The snapshot is written to a tmp file and renamed over the old one, but without an fsync of the tmp file first. The rename can reach the disk before the data does: after a power loss, the name points at an empty or partial file, and the snapshot the log now depends on is gone.',
  exposedBy: 'A power loss just after the rename of a snapshot whose data was never fsynced.',
  fix: 'tmp file, fsync, rename, directory fsync, in that order (src/engine/plan.ts, planReplaceFile).',
  faults: { crash: 'power', ioError: false, damage: false },
  engine: editPlans(
    ENGINE,
    without((s) => s.kind === 'fsync' && s.file === FILES.snapshotTmp),
  ),
};
