// Recent events of one widget session with the snapshot after each, so a stream that resumes
// with `Last-Event-ID: n` gets `state` as of n and then exactly the events after n.
import type { SequencedEvent } from './index.js';
import type { LinkSnapshot } from './snapshot.js';

/**
 * A full QR cycle is about ten events, so 128 covers a widget session's whole 900 s life; a
 * client further behind than that gets the current state, which is what it needs anyway.
 */
export const RING_SIZE = 128;

interface Entry {
  event: SequencedEvent;
  snapshot: LinkSnapshot;
}

export interface Resume {
  /** Id the `state` event carries: the last event it reflects. */
  id: number;
  snapshot: LinkSnapshot;
  /** Events after `id`, oldest first. */
  events: SequencedEvent[];
}

export class EventRing {
  private entries: Entry[] = [];
  /** The snapshot just before the oldest kept entry (or the loaded one when empty). */
  private base: { id: number; snapshot: LinkSnapshot };

  constructor(lastEventId: number, snapshot: LinkSnapshot, private readonly size = RING_SIZE) {
    this.base = { id: lastEventId, snapshot };
  }

  push(event: SequencedEvent, snapshot: LinkSnapshot): void {
    this.entries.push({ event, snapshot });
    if (this.entries.length > this.size) {
      const dropped = this.entries.shift()!;
      this.base = { id: dropped.event.id, snapshot: dropped.snapshot };
    }
  }

  /** Where a stream that last saw `lastEventId` resumes; unknown ids resume at the current state. */
  resume(lastEventId: number | null, current: { id: number; snapshot: LinkSnapshot }): Resume {
    if (lastEventId !== null) {
      if (lastEventId === this.base.id) {
        return { id: this.base.id, snapshot: this.base.snapshot, events: this.entries.map((e) => e.event) };
      }
      const at = this.entries.findIndex((e) => e.event.id === lastEventId);
      if (at >= 0) {
        return { id: lastEventId, snapshot: this.entries[at]!.snapshot, events: this.entries.slice(at + 1).map((e) => e.event) };
      }
    }
    return { id: current.id, snapshot: current.snapshot, events: [] };
  }
}
