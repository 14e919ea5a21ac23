// The state machine as a picture: a Mermaid block generated from TRANSITIONS (src/engine/state.ts, the
// KVStore v3's kvstore_transit_state), which GitHub renders in spec/states.md. A test checks that the block in
// the page is this one, and that it and the page's table list the same transitions.

import { TRANSITIONS } from '../../src/engine/state.js';

/** Every transition, as [from, event, to], in the table's order. */
export function transitionList(): (readonly [string, string, string])[] {
  return Object.entries(TRANSITIONS).flatMap(([from, events]) =>
    Object.entries(events).flatMap(([event, to]) =>
      to === undefined ? [] : [[from, event, to] as const],
    ),
  );
}

/** The Mermaid block for spec/states.md, fences included. */
export function statesMermaid(): string {
  return [
    '```mermaid',
    'stateDiagram-v2',
    '    [*] --> RECOVERING: open',
    ...transitionList().map(([from, event, to]) => `    ${from} --> ${to}: ${event}`),
    '    CLOSED --> [*]',
    '```',
  ].join('\n');
}
