// Bug zoo, KVStore v3 mistake 3 (kvstore_open_log): a torn tail is not cut before the next append.
import { ENGINE } from '../../src/engine/engine.js';
import type { BugVariant } from './variant.js';

export const noTailCut: BugVariant = {
  name: 'no-tail-cut',
  summary: 'after a torn tail the log is reopened for append without being cut',
  origin:
    'KVStore v3 mistake 3: kvstore_open_log opens with "a+" and never truncates what replay skipped',
  mistake:
    'Recovery stops at a torn final record and treats it as the end of the log, correctly, but leaves its bytes in the file. The next record is appended after the garbage. At the next open the garbage is no longer at the tail: it is damage followed by an intact record, and the store refuses to open, or (with a more forgiving reader) silently drops every write after it.',
  exposedBy: 'A kill that tears an append, then one more write, then a reopen.',
  fix: 'The recovery plan truncates the log to its intact prefix before any append (src/engine/recovery.ts).',
  faults: { crash: 'kill', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    recover(input, options) {
      const t = ENGINE.recover(input, options);
      if (!t.plan.some((s) => s.kind === 'truncate')) return t;
      return {
        ...t,
        plan: t.plan.filter((s) => s.kind !== 'truncate'),
        state: { ...t.state, walBytes: input.wal?.length ?? t.state.walBytes },
      };
    },
  },
};
