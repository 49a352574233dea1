import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { WidgetState } from '@titan-connect/protocol';
import type { SequencedEvent } from '../linking/types.js';
import { EventBus, readState, storedState } from './event-bus.js';
import { redisUnavailable, TEST_REDIS_URL, testRedis, type TestRedis } from './test-support/redis.js';

const skip = (await redisUnavailable()) ?? undefined;
const logger = pino({ level: 'silent' });

const EXPIRES_AT = new Date(Date.now() + 60_000).toISOString();
const stateAt = (n: number): WidgetState => ({ phase: 'qr', expiresAt: EXPIRES_AT, n }) as unknown as WidgetState;
const eventAt = (n: number): SequencedEvent => ({ id: n, event: 'qr', data: { n } }) as unknown as SequencedEvent;

/** A stream as a test sees it: everything sent, and whether it ended. */
class Tab {
  readonly got: SequencedEvent[] = [];
  ended = false;
  readonly send = (event: SequencedEvent) => void this.got.push(event);
  readonly end = () => void (this.ended = true);
  get ids(): number[] {
    return this.got.map((e) => e.id);
  }
  async until(test: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out with ids ${this.ids.join(',')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const noCurrent = async (): Promise<never> => {
  throw new Error('the stream has entries: no call to the owner expected');
};

test('the state kept beside an event leaves out what the event holds, and reads back whole', () => {
  const qr = { qr: 'https://wa.me/settings/linked_devices#ref,a,b,c,1', expiresAt: EXPIRES_AT, attempt: 2, maxAttempts: 6, svgPath: 'M0 0h7v7H0z'.repeat(500), modules: 33 };
  const status = { phase: 'qr', status: 'CONNECTING', statusReason: 'SCAN_QR', methods: ['qr', 'pairing'] };
  const state = { ...stateAt(1), qr } as unknown as WidgetState;
  const older = { ...state, qr: { ...qr, attempt: 1, qr: 'older' } } as WidgetState;
  const connected = { session: 'shop', method: 'qr', phone: '1555', pushName: null, redirectUrl: null, state: { ...status, phase: 'connected' } };
  const CASES: [string, SequencedEvent, WidgetState, 'short' | 'full'][] = [
    ['a state event is its own state', { id: 1, event: 'state', data: state } as SequencedEvent, state, 'short'],
    ['a qr event holds the state\'s QR', { id: 2, event: 'qr', data: { ...qr, state: status } } as unknown as SequencedEvent, state, 'short'],
    ['a qr event with another QR than the state\'s', { id: 3, event: 'qr', data: { ...qr, state: status } } as unknown as SequencedEvent, older, 'full'],
    ['a connected event', { id: 4, event: 'connected', data: connected } as unknown as SequencedEvent, { ...state, qr: null }, 'full'],
  ];
  for (const [name, event, after, size] of CASES) {
    const stored = storedState(event, after);
    assert.equal(stored !== JSON.stringify(after), size === 'short', name);
    if (size === 'short') assert.ok(stored.length < 1000, name);
    assert.deepEqual(readState(JSON.parse(JSON.stringify(event)) as SequencedEvent, stored), JSON.parse(JSON.stringify(after)), name);
  }
});

describe('the cluster event bus', { skip }, () => {
  let t: TestRedis;
  const buses: EventBus[] = [];
  const bus = (redis: Redis = t.redis, ringSize = 50) => {
    const made = new EventBus({ redis, keys: t.keys, clock: { now: () => Date.now() }, logger, ringSize });
    buses.push(made);
    return made;
  };
  /** Every command sent so far on the shared connection has run. */
  const flushed = () => t.redis.ping();

  before(async () => {
    t = await testRedis();
  });
  after(async () => {
    for (const made of buses) await made.close();
    await t.drop();
  });

  test('resume: state as of the id the tab saw, then the events after it; unknown or no id: the current state', async () => {
    const owner = bus();
    const reader = bus();
    for (let n = 1; n <= 5; n++) owner.event('ws-resume', eventAt(n), stateAt(n));
    await flushed();
    const CASES: [number | null, number, number[]][] = [
      [3, 3, [4, 5]],
      [1, 1, [2, 3, 4, 5]],
      [5, 5, []],
      [99, 5, []],
      [null, 5, []],
    ];
    for (const [lastEventId, stateId, after] of CASES) {
      const tab = new Tab();
      const stop = await reader.subscribe('ws-resume', lastEventId, tab.send, tab.end, noCurrent);
      assert.deepEqual(tab.got[0], { id: stateId, event: 'state', data: stateAt(stateId) }, `from ${lastEventId}`);
      assert.deepEqual(tab.got.slice(1), after.map(eventAt), `from ${lastEventId}`);
      stop();
    }
    assert.equal(await owner.lastPublishedId('ws-resume'), 5);
    assert.equal(await owner.lastPublishedId('ws-none'), 0);
  });

  test('events published while streams open: each stream gets every later id once, in order', async () => {
    const owner = bus();
    const reader = bus();
    owner.event('ws-race', eventAt(1), stateAt(1));
    await flushed();
    const tabs: Tab[] = [];
    const opening: Promise<unknown>[] = [];
    for (let n = 2; n <= 300; n++) {
      owner.event('ws-race', eventAt(n), stateAt(n));
      if (n % 10 === 0) {
        const tab = new Tab();
        tabs.push(tab);
        // Half of them resume from a few events back: replay and live overlap.
        opening.push(reader.subscribe('ws-race', n % 20 === 0 ? n - 5 : null, tab.send, tab.end, noCurrent));
      }
      if (n % 50 === 0) await flushed();
    }
    await Promise.all(opening);
    for (const tab of tabs) {
      await tab.until(() => tab.ids.at(-1) === 300);
      const first = tab.ids[0]!;
      assert.deepEqual(tab.ids, Array.from({ length: 301 - first }, (_, i) => first + i), `from ${first}`);
      assert.equal(tab.got[0]!.event, 'state');
    }
    assert.equal(reader.streamCount, tabs.length);
  });

  test('the end of a widget session ends live streams, and a stream opened after it at once', async () => {
    const owner = bus();
    const reader = bus();
    owner.event('ws-end', eventAt(1), stateAt(1));
    const live = new Tab();
    await reader.subscribe('ws-end', null, live.send, live.end, noCurrent);
    owner.event('ws-end', { id: 2, event: 'expired', data: { reason: 'TOKEN_EXPIRED' } } as unknown as SequencedEvent, stateAt(2));
    owner.ended('ws-end', 2);
    await live.until(() => live.ended);
    assert.deepEqual(live.ids, [1, 2]);
    for (const lastEventId of [null, 1]) {
      const late = new Tab();
      await reader.subscribe('ws-end', lastEventId, late.send, late.end, noCurrent);
      assert.equal(late.ended, true);
      assert.deepEqual(late.ids, lastEventId === null ? [2] : [1, 2]);
    }
    // A second end (the widget session loaded again after expiry) is harmless.
    owner.ended('ws-end', 2);
    await flushed();
    assert.equal(await owner.lastPublishedId('ws-end'), 2);
    assert.equal(reader.streamCount, 0);
  });

  test('nothing published yet: the owner says where the stream starts; later events follow', async () => {
    const owner = bus();
    const reader = bus();
    const tab = new Tab();
    await reader.subscribe('ws-empty', null, tab.send, tab.end, async () => ({ id: 7, state: stateAt(7) }));
    owner.event('ws-empty', eventAt(8), stateAt(8));
    await tab.until(() => tab.got.length === 2);
    assert.deepEqual(tab.ids, [7, 8]);
    assert.deepEqual(tab.got[0]!.data, stateAt(7));
  });

  test('an id not above the last one is refused by the stream and never sent live', async () => {
    const owner = bus();
    const reader = bus();
    owner.event('ws-stale', eventAt(4), stateAt(4));
    const tab = new Tab();
    await reader.subscribe('ws-stale', null, tab.send, tab.end, noCurrent);
    owner.event('ws-stale', eventAt(3), stateAt(3));
    owner.event('ws-stale', eventAt(5), stateAt(5));
    await tab.until(() => tab.ids.includes(5));
    assert.deepEqual(tab.ids, [4, 5]);
  });

  /** Kills the subscriber connection of the bus reading through a connection named `name`. */
  const killSubscriber = async (name: string) => {
    const clients = ((await t.redis.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=${name} `) && /\bsub=[1-9]/.test(line));
    assert.equal(clients.length, 1, 'one subscriber connection per instance');
    await t.redis.client('KILL', 'ID', /\bid=(\d+)/.exec(clients[0]!)![1]!);
  };

  test('the subscriber connection drops while events flow: the missed ones are read back, none twice', async () => {
    // The stream keeps more than the burst: everything missed can be read back.
    const owner = bus(t.redis, 1000);
    // Its own connection, named, so the test can find and kill the bus's subscriber.
    const name = `${t.keys.namespace}-reader`;
    const readerRedis = new Redis(TEST_REDIS_URL, { connectionName: name });
    const reader = bus(readerRedis);
    owner.event('ws-drop', eventAt(1), stateAt(1));
    const tab = new Tab();
    await reader.subscribe('ws-drop', null, tab.send, tab.end, noCurrent);
    for (let n = 2; n <= 400; n++) {
      owner.event('ws-drop', eventAt(n), stateAt(n));
      if (n === 150) await killSubscriber(name);
    }
    await tab.until(() => tab.ids.at(-1) === 400, 10_000);
    assert.deepEqual(tab.ids, Array.from({ length: 400 }, (_, i) => i + 1));
    await reader.close();
    readerRedis.disconnect();
  });

  test('missed more than the stream keeps: the streams end, to resume at the current state', async () => {
    const owner = bus(t.redis, 10);
    const name = `${t.keys.namespace}-reader2`;
    const readerRedis = new Redis(TEST_REDIS_URL, { connectionName: name });
    const reader = bus(readerRedis);
    owner.event('ws-gap', eventAt(1), stateAt(1));
    const tab = new Tab();
    await reader.subscribe('ws-gap', null, tab.send, tab.end, noCurrent);
    await killSubscriber(name);
    for (let n = 2; n <= 400; n++) owner.event('ws-gap', eventAt(n), stateAt(n));
    await tab.until(() => tab.ended, 10_000);
    const ids = tab.ids;
    assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1), 'what it got has no hole');
    assert.ok(ids.length < 400);
    await reader.close();
    readerRedis.disconnect();
  });

  test('a drop when nothing was missed: the stream goes on (an old, trimmed history is no gap)', async () => {
    const owner = bus(t.redis, 10);
    const name = `${t.keys.namespace}-reader3`;
    const readerRedis = new Redis(TEST_REDIS_URL, { connectionName: name });
    const reader = bus(readerRedis);
    for (let n = 1; n <= 250; n++) owner.event('ws-quiet', eventAt(n), stateAt(n));
    await flushed();
    const tab = new Tab();
    await reader.subscribe('ws-quiet', null, tab.send, tab.end, noCurrent);
    await killSubscriber(name);
    // The subscriber reconnects (ioredis retries after 50 ms) and catches up with nothing.
    await new Promise((r) => setTimeout(r, 300));
    owner.event('ws-quiet', eventAt(251), stateAt(251));
    await tab.until(() => tab.ids.includes(251));
    assert.deepEqual(tab.ids, [250, 251]);
    assert.equal(tab.ended, false);
    await reader.close();
    readerRedis.disconnect();
  });
});
