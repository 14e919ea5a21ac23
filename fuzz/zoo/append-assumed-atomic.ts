// Bug zoo, ALICE's "appends assumed atomic": a record written in pieces and read back without a checksum.
import { ENGINE } from '../../src/engine/engine.js';
import { executeWrite } from '../../src/engine/execution.js';
import { RECORD_HEADER_BYTES, readLog } from '../../src/engine/logging.js';
import { FILES, type Step } from '../../src/engine/plan.js';
import { loadFiles, recoverFrom } from '../../src/engine/recovery.js';
import type { BugVariant } from './variant.js';

export const appendAssumedAtomic: BugVariant = {
  name: 'append-assumed-atomic',
  summary:
    'a record is trusted because it is all there: appends are assumed atomic, the log CRC is not checked',
  origin:
    'ALICE: an append of more than a sector is not atomic; a crash can persist its length but not its bytes',
  mistake:
    'The reader checks that a record is complete (its length fits) and trusts its contents. But the kernel may split an append into several writes, and after a power loss the file can be long enough while some of the bytes are zeros: the record parses, and a value that was never written is loaded.',
  exposedBy: 'A power loss that keeps the header of an append but zero-fills its payload.',
  fix: 'Every record carries a CRC of everything after it, checked on every read (src/engine/logging.ts, parseRecordAt).',
  faults: { crash: 'power', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    write(state, ops) {
      const t = executeWrite(state, ops);
      // The kernel is free to split one append; here it is split between the record header and payload.
      const plan = t.plan.flatMap((s): Step[] =>
        s.kind === 'append' && s.data.length > RECORD_HEADER_BYTES
          ? [
              { ...s, data: s.data.subarray(0, RECORD_HEADER_BYTES) },
              {
                ...s,
                offsetBytes: s.offsetBytes + RECORD_HEADER_BYTES,
                data: s.data.subarray(RECORD_HEADER_BYTES),
              },
            ]
          : [s],
      );
      return { ...t, plan };
    },
    recover(input, options) {
      const wal =
        input.wal === undefined
          ? undefined
          : readLog(input.wal, FILES.wal, { verifyChecksum: false, markers: true });
      return recoverFrom({ ...loadFiles(input), wal }, options);
    },
  },
};
