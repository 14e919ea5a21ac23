// The lesson's engine, fixed (spec/lessons/write-your-own-engine.md): the first draft's write plan with
// the missing step put in. A write is acknowledged only once its record is fsynced, as the sync setting
// "always" promises (KVStore v3's kvstore_put with its fsync before "return OK").

import { applyOps, encodeRecord, FILES, type Engine, type Plan } from '../api.js';
import { logOnlyBroken } from './log-only-broken.js';

/** The log-only engine, acknowledging a write only after its fsync. */
export const logOnlyFixed: Engine = {
  ...logOnlyBroken,
  write(state, ops) {
    const lsn = state.lastLsn + 1;
    const data = encodeRecord(lsn, ops);
    const plan: Plan = [
      { kind: 'append', file: FILES.wal, offsetBytes: state.walBytes, data },
      // The fix: the record is on disk before the store says "ok".
      ...(state.options.sync === 'always' ? [{ kind: 'fsync', file: FILES.wal } as const] : []),
    ];
    const tree = applyOps(state.tree, ops);
    const next = { ...state, tree, lastLsn: lsn, walBytes: state.walBytes + data.length };
    return { state: next, result: { lsn }, plan };
  },
};
