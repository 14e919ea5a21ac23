// Bug zoo, KVStore v3 mistake 12 and PostgreSQL's fsyncgate: an fsync that failed is retried, and believed.
import type { StoreIo } from '../../src/io/store.js';
import type { BugVariant } from './variant.js';

function retryingFsync(io: StoreIo): StoreIo {
  return {
    read: () => io.read(),
    close: () => io.close(),
    run(plan) {
      for (const step of plan) {
        try {
          io.run([step]);
        } catch (e) {
          if (step.kind !== 'fsync') throw e;
          io.run([step]); // "will retry later": and it succeeds, with nothing left to write
        }
      }
    },
  };
}

export const fsyncRetry: BugVariant = {
  name: 'fsync-retry',
  summary: 'an fsync that failed is retried, and its success believed',
  origin: 'KVStore v3 mistake 12 ("will retry later") and PostgreSQL\'s fsyncgate (2018)',
  mistake:
    'When writeback fails, Linux may mark the dirty pages clean and report the error once. A second fsync then succeeds, because there is nothing left to write: the data is simply gone. A store that retries believes its write is durable and acknowledges it.',
  exposedBy: 'An I/O error on the fsync of an append.',
  fix: 'Any failed fsync moves the store to FAILED; the way back is close and reopen, which runs recovery on what the disk holds (src/engine/state.ts, src/io/store.ts).',
  faults: { crash: 'none', ioError: true, damage: false },
  wrapIo: retryingFsync,
};
