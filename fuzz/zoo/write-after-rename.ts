// Bug zoo, ALICE's "a write and a rename reordered": the snapshot is published before it is written.
import { treeEntries } from '../../src/engine/bptree.js';
import { ENGINE } from '../../src/engine/engine.js';
import { planSnapshot } from '../../src/engine/maintenance.js';
import { FILES, type Step } from '../../src/engine/plan.js';
import { encodeSnapshot } from '../../src/engine/snapshot.js';
import type { EngineState } from '../../src/engine/state.js';
import type { BugVariant } from './variant.js';

function renameFirst(state: EngineState): Step[] {
  const chunks = encodeSnapshot(state.lastLsn, state.tree.size, treeEntries(state.tree));
  const steps: Step[] = [
    { kind: 'create', file: FILES.snapshotTmp },
    { kind: 'rename', from: FILES.snapshotTmp, to: FILES.snapshot },
    { kind: 'fsyncDir' },
  ];
  let offsetBytes = 0;
  for (const data of chunks) {
    steps.push({ kind: 'append', file: FILES.snapshot, offsetBytes, data });
    offsetBytes += data.length;
  }
  steps.push({ kind: 'fsync', file: FILES.snapshot });
  return steps;
}

export const writeAfterRename: BugVariant = {
  name: 'write-after-rename',
  summary: 'the snapshot file is renamed into place first and written after',
  origin:
    'ALICE: the order of a write and a rename is what makes the rename atomic; reversed, readers see a half-written file',
  mistake:
    'Creating the file, renaming it over the old snapshot and only then writing it saves nothing and breaks everything: between the rename and the last write, the only snapshot on disk is empty or partial.',
  exposedBy:
    'A crash (kill or power loss) after the rename and before the snapshot data is complete.',
  fix: 'Write and fsync the tmp file completely, then rename it (src/engine/plan.ts, planReplaceFile).',
  faults: { crash: 'kill', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    snapshot(state) {
      return { ...planSnapshot(state), plan: renameFirst(state) };
    },
  },
};
