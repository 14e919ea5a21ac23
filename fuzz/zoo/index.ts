// The bug zoo: every variant, by name. `kvlab bugs` lists them; `kvlab fuzz --bug NAME` runs one.
// Nothing in src/ imports this folder: the default engine cannot reach a variant's code path.

import { appendAssumedAtomic } from './append-assumed-atomic.js';
import { compactBeforeApply } from './compact-before-apply.js';
import { fsyncRetry } from './fsync-retry.js';
import { logBeforeSnapshot } from './log-before-snapshot.js';
import { missingPipeIsEof } from './missing-pipe-is-eof.js';
import { noDirFsync } from './no-dir-fsync.js';
import { noLogFsync } from './no-log-fsync.js';
import { noSnapshotFsync } from './no-snapshot-fsync.js';
import { noTailCut } from './no-tail-cut.js';
import { resyncIntoValues } from './resync-into-values.js';
import { trustingSnapshotLoader } from './trusting-snapshot-loader.js';
import type { BugVariant } from './variant.js';
import { writeAfterRename } from './write-after-rename.js';

export { systemOf, type BugVariant } from './variant.js';

/** Every variant: KVStore v3's mistakes first, in the order of spec/seed-map.md, then ALICE's categories, then kvlab's own. */
export const BUGS: readonly BugVariant[] = [
  compactBeforeApply,
  logBeforeSnapshot,
  noTailCut,
  noLogFsync,
  noDirFsync,
  trustingSnapshotLoader,
  missingPipeIsEof,
  fsyncRetry,
  noSnapshotFsync,
  appendAssumedAtomic,
  writeAfterRename,
  resyncIntoValues,
];

/** The variant called `name`, or undefined. */
export function findBug(name: string): BugVariant | undefined {
  return BUGS.find((b) => b.name === name);
}
