// Bug zoo, KVStore v3 mistake 7 (kvstore_replay_log): damage in the middle of the log is read as its end.
import { ENGINE } from '../../src/engine/engine.js';
import type { BugVariant } from './variant.js';

export const missingPipeIsEof: BugVariant = {
  name: 'missing-pipe-is-eof',
  summary: 'a damaged record in the middle of the log is read as the clean end of the log',
  origin: 'KVStore v3 mistake 7: kvstore_replay_log breaks with KVSTORE_OK when a line has no "|"',
  mistake:
    'The seed tolerated a damaged last line, rightly, but tested for it with "this line has no |", which is just as true of a damaged line in the middle. Every acknowledged write after the damage is dropped, and the open reports success.',
  exposedBy: 'Damage to a record that has intact records after it.',
  fix: 'Only damage with no intact record after it is a torn tail; anything else is CORRUPTED in the default mode (src/engine/logging.ts, readLog; src/engine/recovery.ts).',
  faults: { crash: 'none', ioError: false, damage: true },
  engine: {
    ...ENGINE,
    recover: (input, options) =>
      ENGINE.recover(
        input,
        options.recovery === 'tolerate-tail' ? { ...options, recovery: 'point-in-time' } : options,
      ),
  },
};
