// The cluster bus: the owner's widget events reach SSE streams on every instance with the same
// ids. The owner writes each event to a Redis Stream per widget session (ids `<event id>-0`,
// with the full state after it, for replay and resume) and publishes it on a channel, both in
// one script so a reader sees every event in one or the other. Each instance reads through one
// subscriber connection, subscribed only to the widget sessions it has streams for, and hands
// every local stream of a widget session the same parsed event (one frame for all of them).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WIDGET_TOKEN_TTL_SECONDS, type WidgetState } from '@titan-connect/protocol';
import type { Clock } from '../clock.js';
import { RING_SIZE } from '../linking/event-ring.js';
import type { LinkingObserver, SequencedEvent } from '../linking/types.js';
import type { ClusterKeys } from './keys.js';

/** A stream outlives its widget session by this much (a tab resuming right at the end). */
export const STREAM_GRACE_MS = 60_000;
/** Streams on other instances end this long after expiry if the owner never said so (it died). */
export const EXPIRY_GRACE_MS = 5_000;

// XADD fails on an id not above the stream's last one; the script then stops before PUBLISH, so
// a live reader never gets an event that the stream refused.
const PUBLISH_EVENT = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], ARGV[1], 'e', ARGV[2], 's', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 1`;
// The end marker's id is `<last event id>-<n>`: after that event, before any later one.
const PUBLISH_END = `
redis.call('XADD', KEYS[1], ARGV[1], 'end', '1')
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 1`;

type Send = (event: SequencedEvent) => void;
/** What the channel carries: an event, or the end of the widget session's streams. */
type Live = SequencedEvent | { end: number };
const isEnd = (live: Live): live is { end: number } => 'end' in live;

interface Listener {
  send: Send;
  end: () => void;
  /** Id of the last event this stream got; later ones only. */
  lastSent: number;
  /** Live events held until the stream has its state and replay. */
  held: Live[] | null;
}

interface Topic {
  channel: string;
  listeners: Set<Listener>;
  subscribed: Promise<unknown>;
  /** Highest event id seen live, where a catch-up after a reconnect starts. */
  lastId: number;
  /** Live events held while catching up after the subscriber connection came back. */
  held: Live[] | null;
  /** The current state as last read, while no later event arrived: spares a read per stream. */
  current: Start | null;
  expiryTimer: NodeJS.Timeout | null;
}

/** Where a stream starts: the `state` event, the events after it, and whether it has ended. */
export interface Start {
  id: number;
  state: WidgetState;
  events: SequencedEvent[];
  ended: boolean;
}

type Entry = [id: string, fields: string[]];

/**
 * The state stored beside an event, without what the event already holds: a QR's drawn path is
 * ~13 kB, and a QR cycle's entries would otherwise each keep it twice. `=` stands for "the same
 * as in the event" (a `state` event's data is the state; a `qr` event's data is the state's QR).
 */
export function storedState(event: SequencedEvent, state: WidgetState): string {
  if (event.event === 'state') return '=';
  if (event.event === 'qr' && state.qr && state.qr.qr === event.data.qr && state.qr.attempt === event.data.attempt) return JSON.stringify({ ...state, qr: '=' });
  return JSON.stringify(state);
}

export function readState(event: SequencedEvent, stored: string): WidgetState {
  if (stored === '=') return event.data as WidgetState;
  const state = JSON.parse(stored) as WidgetState | (Omit<WidgetState, 'qr'> & { qr: '=' });
  if (state.qr !== '=' || event.event !== 'qr') return state as WidgetState;
  const { state: _status, ...qr } = event.data;
  return { ...state, qr };
}

/** A stream entry: an event with its state after it, or the end marker. */
function parseEntry([, fields]: Entry): { event: SequencedEvent; state: WidgetState } | 'end' {
  const field = (name: string) => fields[fields.indexOf(name) + 1]!;
  if (fields.includes('end')) return 'end';
  const event = JSON.parse(field('e')) as SequencedEvent;
  return { event, state: readState(event, field('s')) };
}

export interface EventBusOptions {
  /** Commands; shared with the rest of cluster mode. */
  redis: Redis;
  keys: ClusterKeys;
  clock: Clock;
  logger: Logger;
  /** Entries kept per widget session (default the in-process ring's size). */
  ringSize?: number;
}

export class EventBus implements LinkingObserver {
  private readonly subscriber: Redis;
  private readonly topics = new Map<string, Topic>();
  private readonly ringSize: number;
  private closed = false;

  constructor(private readonly options: EventBusOptions) {
    this.ringSize = options.ringSize ?? RING_SIZE;
    // No ready check: its INFO would race the first SUBSCRIBE, and Redis refuses INFO from a
    // subscribed connection (ioredis then drops and reopens it).
    this.subscriber = options.redis.duplicate({ maxRetriesPerRequest: null, enableReadyCheck: false });
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Messages published while the connection is down are lost: hold live events from the
    // moment it drops, and on its return read what was missed from the streams first.
    this.subscriber.on('close', () => {
      if (!this.closed) for (const topic of this.topics.values()) topic.held ??= [];
    });
    this.subscriber.on('ready', () => void this.catchUp());
  }

  // --- the owner's side (LinkingObserver) ---------------------------------------------------------

  event(widgetSessionId: string, event: SequencedEvent, state: WidgetState): void {
    const { redis, keys, logger } = this.options;
    const ttl = this.streamTtl(state.expiresAt);
    redis
      .eval(PUBLISH_EVENT, 2, keys.events(widgetSessionId), keys.live(widgetSessionId), `${event.id}-0`, JSON.stringify(event), storedState(event, state), this.ringSize, ttl)
      .catch((err: unknown) => logger.error({ err, widgetSession: widgetSessionId, eventId: event.id }, 'cluster bus: could not publish a widget event'));
  }

  ended(widgetSessionId: string, lastEventId: number): void {
    const { redis, keys, logger } = this.options;
    redis
      .eval(PUBLISH_END, 2, keys.events(widgetSessionId), keys.live(widgetSessionId), `${lastEventId}-*`, JSON.stringify({ end: lastEventId }), STREAM_GRACE_MS)
      .catch((err: unknown) => logger.warn({ err, widgetSession: widgetSessionId }, 'cluster bus: could not publish the end of a widget session'));
  }

  /** The highest event id published for a widget session (0 when none): a new owner numbers on from it. */
  async lastPublishedId(widgetSessionId: string): Promise<number> {
    const { redis, keys, logger } = this.options;
    try {
      const [top] = (await redis.xrevrange(keys.events(widgetSessionId), '+', '-', 'COUNT', 1)) as Entry[];
      return top ? Number(top[0].split('-')[0]) : 0;
    } catch (err) {
      // The stored id then stands; a refused XADD later is logged rather than sent twice.
      logger.error({ err, widgetSession: widgetSessionId }, 'cluster bus: could not read the last published event id');
      return 0;
    }
  }

  // --- every instance's side ----------------------------------------------------------------------

  /**
   * Streams a widget session's events as `Linking.subscribe` does: `state` as of `lastEventId`
   * (when the stream still has it, else the current one) and the events after it, then live ones.
   * `current` answers when the stream has nothing yet (no event since the owner loaded it).
   */
  async subscribe(widgetSessionId: string, lastEventId: number | null, send: Send, end: () => void, current: () => Promise<{ id: number; state: WidgetState }>): Promise<() => void> {
    const topic = this.topicOf(widgetSessionId);
    const listener: Listener = { send, end, lastSent: -1, held: [] };
    topic.listeners.add(listener);
    let start: Start;
    try {
      await topic.subscribed;
      start = await this.startOf(widgetSessionId, topic, lastEventId, current);
    } catch (error) {
      this.remove(topic, listener);
      throw error;
    }
    this.sendTo(listener, { id: start.id, event: 'state', data: start.state });
    listener.lastSent = start.id;
    for (const event of start.events) this.deliver(topic, listener, event, true);
    // Read after the channel was subscribed: whatever comes later arrives live, so a catch-up
    // after a reconnect starts here at the latest.
    topic.lastId = Math.max(topic.lastId, start.events.at(-1)?.id ?? start.id);
    this.scheduleExpiry(topic, start.state);
    if (start.ended) {
      this.finish(topic, listener);
      return () => {};
    }
    const held = listener.held!;
    listener.held = null;
    for (const live of held) this.deliver(topic, listener, live);
    return () => this.remove(topic, listener);
  }

  /** Streams open on this instance (for metrics and tests). */
  get streamCount(): number {
    let count = 0;
    for (const topic of this.topics.values()) count += topic.listeners.size;
    return count;
  }

  /** Ends every stream of this instance and disconnects (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const topic of [...this.topics.values()]) for (const listener of [...topic.listeners]) this.finish(topic, listener);
    this.subscriber.disconnect();
  }

  // --- internals ----------------------------------------------------------------------------------

  private topicOf(widgetSessionId: string): Topic {
    const channel = this.options.keys.live(widgetSessionId);
    let topic = this.topics.get(channel);
    if (!topic) {
      topic = { channel, listeners: new Set(), subscribed: this.subscriber.subscribe(channel), lastId: 0, held: null, current: null, expiryTimer: null };
      this.topics.set(channel, topic);
    }
    return topic;
  }

  private async startOf(widgetSessionId: string, topic: Topic, lastEventId: number | null, current: () => Promise<{ id: number; state: WidgetState }>): Promise<Start> {
    const { redis, keys } = this.options;
    const key = keys.events(widgetSessionId);
    if (lastEventId !== null && lastEventId > 0) {
      const entries = (await redis.xrange(key, `${lastEventId}-0`, '+')) as Entry[];
      if (entries[0]?.[0] === `${lastEventId}-0`) {
        const parsed = entries.map(parseEntry);
        const first = parsed[0] as Exclude<(typeof parsed)[number], 'end'>;
        const events = parsed.slice(1).flatMap((p) => (p === 'end' ? [] : [p.event]));
        return { id: lastEventId, state: first.state, events, ended: parsed.includes('end') };
      }
      // Older than the stream keeps (or from before a restart): the current state, as in process.
    }
    if (topic.current && topic.current.id >= topic.lastId) return topic.current;
    // The newest event and, above it, maybe the end marker.
    const top = ((await redis.xrevrange(key, '+', '-', 'COUNT', 2)) as Entry[]).map(parseEntry);
    const newest = top.find((p) => p !== 'end');
    let start: Start;
    if (newest) start = { id: newest.event.id, state: newest.state, events: [], ended: top[0] === 'end' };
    else start = { ...(await current()), events: [], ended: false };
    if (start.id >= topic.lastId) topic.current = start;
    return start;
  }

  private onMessage(channel: string, message: string): void {
    const topic = this.topics.get(channel);
    if (!topic) return;
    let live: Live;
    try {
      live = JSON.parse(message) as Live;
    } catch {
      return;
    }
    if (topic.held) {
      topic.held.push(live);
      return;
    }
    this.fanOut(topic, live);
  }

  private fanOut(topic: Topic, live: Live): void {
    if (!isEnd(live) && live.id > topic.lastId) {
      topic.lastId = live.id;
      if (topic.current && topic.current.id < live.id) topic.current = null;
    }
    for (const listener of [...topic.listeners]) this.deliver(topic, listener, live);
  }

  private deliver(topic: Topic, listener: Listener, live: Live, replay = false): void {
    if (listener.held && !replay) {
      listener.held.push(live);
      return;
    }
    if (isEnd(live)) {
      this.finish(topic, listener);
      return;
    }
    // The replay, the catch-up and the channel may each bring an event: once, in order.
    if (live.id <= listener.lastSent) return;
    listener.lastSent = live.id;
    this.sendTo(listener, live);
  }

  private sendTo(listener: Listener, event: SequencedEvent): void {
    try {
      listener.send(event);
    } catch (err) {
      this.options.logger.warn({ err }, 'a widget event stream threw; dropping it');
    }
  }

  /** Reads what the channel missed while the subscriber connection was down, then goes live. */
  private async catchUp(): Promise<void> {
    const { redis, keys, logger } = this.options;
    for (const topic of [...this.topics.values()]) {
      if (!topic.held) continue;
      const widgetSessionId = topic.channel.slice(keys.live('').length);
      try {
        const entries = (await redis.xrange(keys.events(widgetSessionId), `(${topic.lastId}-0`, '+')) as Entry[];
        const parsed = entries.map(parseEntry);
        const first = parsed.find((p) => p !== 'end');
        // More was missed than the stream keeps: end the streams, so each resumes at the current state.
        if (first && first.event.id > topic.lastId + 1) parsed.splice(0, parsed.length, 'end');
        for (const p of parsed) this.fanOut(topic, p === 'end' ? { end: topic.lastId } : p.event);
      } catch (err) {
        logger.error({ err, widgetSession: widgetSessionId }, 'cluster bus: could not catch up after a reconnect');
      }
      const held = topic.held;
      topic.held = null;
      for (const live of held) this.fanOut(topic, live);
    }
  }

  /** If the owner never ends the streams (it died), they end a little after the widget session. */
  private scheduleExpiry(topic: Topic, state: WidgetState): void {
    if (topic.expiryTimer || topic.listeners.size === 0) return;
    const delay = Math.min(Math.max(0, Date.parse(state.expiresAt) - this.options.clock.now()) + EXPIRY_GRACE_MS, WIDGET_TOKEN_TTL_SECONDS * 2000);
    topic.expiryTimer = setTimeout(() => {
      for (const listener of [...topic.listeners]) this.finish(topic, listener);
    }, delay);
    topic.expiryTimer.unref();
  }

  private finish(topic: Topic, listener: Listener): void {
    if (!topic.listeners.has(listener)) return;
    this.remove(topic, listener);
    try {
      listener.end();
    } catch (err) {
      this.options.logger.warn({ err }, 'a widget event stream threw while closing');
    }
  }

  private remove(topic: Topic, listener: Listener): void {
    topic.listeners.delete(listener);
    if (topic.listeners.size > 0 || this.topics.get(topic.channel) !== topic) return;
    this.topics.delete(topic.channel);
    if (topic.expiryTimer) clearTimeout(topic.expiryTimer);
    if (!this.closed) void this.subscriber.unsubscribe(topic.channel).catch(() => {});
  }

  private streamTtl(expiresAt: string): number {
    const left = Date.parse(expiresAt) - this.options.clock.now();
    return Math.min(Math.max(0, left), WIDGET_TOKEN_TTL_SECONDS * 1000) + STREAM_GRACE_MS;
  }
}
