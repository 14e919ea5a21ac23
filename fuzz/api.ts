// The checker's public API, published as the `kvlab/checker` subpath: the Engine interface a store
// runs on (kvlab's own and, for a lesson, one you write), the StoreIo seam, and the checker's entry
// points — a fuzz campaign, a counterexample's story, and the bug zoo. The store itself is `kvlab`.

export type { Engine } from '../src/engine/engine.js';
export { ENGINE } from '../src/engine/engine.js';
export type { Plan, Step, Transition } from '../src/engine/plan.js';
export type { EngineState, EngineOptions } from '../src/engine/state.js';
export type { RecoveryInput, RecoveryReport } from '../src/engine/recovery.js';
export { openStoreWith, Store } from '../src/io/store.js';
export type { OpenWith, StoreIo } from '../src/io/store.js';
export { runCampaign } from './campaign.js';
export type { CampaignProgress, CampaignReport, CampaignSettings } from './campaign.js';
export { loadCounterexample, saveCounterexample } from './counterexample.js';
export type { Counterexample } from './counterexample.js';
export { replay } from './story.js';
export type { ReplayResult } from './story.js';
export { BUGS, findBug } from './zoo/index.js';
export type { BugVariant } from './zoo/index.js';
