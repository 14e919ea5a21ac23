// kvlab/checker: the one public module of the checker (package.json's `./checker` subpath). It holds
// the Engine interface a store runs on (kvlab's own ENGINE and, for the lesson in
// spec/lessons/write-your-own-engine.md, one you write), the building blocks a small engine may borrow,
// checkEngine for an engine of your own, and the checker's entry points: a fuzz campaign, a
// counterexample's replay and story, and the bug zoo. The store itself is the package's main entry.

// What an engine is, and what its functions take and return (each documented where it is defined).
export type { Engine } from '../src/engine/engine.js';
export { ENGINE } from '../src/engine/engine.js';
export type { Plan, Step, Transition } from '../src/engine/plan.js';
export { FILES } from '../src/engine/plan.js';
export type { EngineOptions, EngineState } from '../src/engine/state.js';
export type { RecoveryInput, RecoveryReport } from '../src/engine/recovery.js';
export type { WriteResult } from '../src/engine/execution.js';
export type { MaintenanceResult } from '../src/engine/maintenance.js';
// Building blocks a small engine may borrow from kvlab's: the record encoding and the tree.
export {
  encodeRecord,
  encodeWalHeader,
  readLog,
  WAL_HEADER_BYTES,
  type WriteOp,
} from '../src/engine/logging.js';
export { emptyTree } from '../src/engine/bptree.js';
export { applyOps } from '../src/engine/apply.js';
// Running an engine by hand: the store over any StoreIo.
export { openStoreWith, Store } from '../src/io/store.js';
export type { OpenWith, StoreIo } from '../src/io/store.js';
// Checking an engine of your own.
export { checkEngine } from './check-engine.js';
export type { CheckOptions, CheckResult } from './check-engine.js';
export type { FaultSet } from '../model/commands/index.js';
// The checker's entry points: campaigns, counterexamples and their stories, the bug zoo.
export { runCampaign } from './campaign.js';
export type { CampaignProgress, CampaignReport, CampaignSettings } from './campaign.js';
export { loadCounterexample, saveCounterexample } from './counterexample.js';
export type { Counterexample } from './counterexample.js';
export { replay } from './story.js';
export type { ReplayResult } from './story.js';
export { BUGS, findBug } from './zoo/index.js';
export type { BugVariant } from './zoo/index.js';
