import type { EventEmitter } from 'node:events';

/** How many times a runtime has finished starting its flows, and what waits for the next time. */
export interface FlowStarts {
  count: number;
  waiting: Set<() => void>;
}

/**
 * How many times each runtime has finished starting its flows ('flows:started'), counted from the first node of
 * this pack it made. A node made during a (re)start must not send before the nodes its wires lead to are made:
 * what it has to send at once (outcomes that waited for it) waits for the count to pass the one it was made at.
 */
const flowStarts = new WeakMap<EventEmitter, FlowStarts>();

export function flowStartsOf(events: EventEmitter): FlowStarts {
  let starts = flowStarts.get(events);
  if (!starts) {
    const s = { count: 0, waiting: new Set<() => void>() };
    events.on('flows:started', () => {
      s.count++;
      const ready = [...s.waiting];
      s.waiting.clear();
      for (const fn of ready) fn();
    });
    flowStarts.set(events, s);
    starts = s;
  }
  return starts;
}
