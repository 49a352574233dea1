import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import request from 'supertest';
import { SqliteStore } from '../store/index.js';
import { webhookEndpoint } from '../store/test-support/store-contract.js';
import { captureLogger, makeTestServer } from '../test-support/server.js';
import { SimulatorEngine } from '../whatsapp/simulator/engine.js';
import type { WebhookEventDraft, WebhookPublisher } from '../webhooks/types.js';
import type { EngineEvent, EngineListener } from '../whatsapp/engine.js';
import { inboundDraft, publishInboundMessages } from './inbound-messages.js';

const key = { tenantId: 'acme', name: 'support' };
const T = Date.UTC(2026, 11, 1, 12, 0, 0);

const CASES: [string, EngineEvent, WebhookEventDraft | null][] = [
  [
    'a text',
    { type: 'message', key, message: { id: '3A01', from: '5511987654321', type: 'text', text: 'oi', timestamp: T } },
    { tenantId: 'acme', sessionName: 'support', type: 'message.received', data: { session: 'support', id: '3A01', from: '5511987654321', type: 'text', text: 'oi', timestamp: '2026-12-01T12:00:00.000Z' } },
  ],
  [
    'an image without a caption: no text field',
    { type: 'message', key, message: { id: '3A02', from: '5511987654321', type: 'image', timestamp: T } },
    { tenantId: 'acme', sessionName: 'support', type: 'message.received', data: { session: 'support', id: '3A02', from: '5511987654321', type: 'image', timestamp: '2026-12-01T12:00:00.000Z' } },
  ],
  [
    'a status',
    { type: 'message_status', key, id: '3EB0AA', status: 'read' },
    { tenantId: 'acme', sessionName: 'support', type: 'message.status', data: { session: 'support', id: '3EB0AA', status: 'read' } },
  ],
  ['a link event (published with its link change, not here)', { type: 'connected', key, method: 'qr', phone: '1', pushName: null }, null],
  ['a QR', { type: 'qr', key, qr: 'x', expiresAt: T, attempt: 1, maxAttempts: 6 }, null],
];

for (const [name, event, expected] of CASES) {
  test(`inboundDraft: ${name}`, () => {
    // Strict: a field set to undefined would not equal an absent one.
    assert.deepEqual(inboundDraft(event), expected);
  });
}

/** An engine that only emits; the publisher records each batch after a delay that varies. */
const rig = (failFirst = false) => {
  let listener: EngineListener = () => {};
  const engine = { subscribe: (l: EngineListener) => ((listener = l), () => void (listener = () => {})) };
  const published: WebhookEventDraft[][] = [];
  let calls = 0;
  const publisher: WebhookPublisher = {
    publish: async (events) => {
      const call = ++calls;
      // Later calls answer sooner: only the service's own ordering keeps them in order.
      await new Promise((resolve) => setTimeout(resolve, 30 / call));
      if (failFirst && call === 1) throw new Error('outbox down');
      published.push([...events]);
    },
  };
  const { logger, text } = captureLogger();
  const inbound = publishInboundMessages(engine, publisher, logger);
  return { emit: (event: EngineEvent) => listener(event), published, inbound, logs: text };
};

test('publishes one event per engine event, in the order the engine reported them', async () => {
  const { emit, published, inbound } = rig();
  emit({ type: 'message', key, message: { id: 'M1', from: '5511987654321', type: 'text', text: 'a', timestamp: T } });
  emit({ type: 'connected', key, method: 'qr', phone: '1', pushName: null });
  emit({ type: 'message_status', key, id: 'S1', status: 'delivered' });
  emit({ type: 'message_status', key, id: 'S1', status: 'read' });
  await inbound.settled();
  assert.deepEqual(
    published.map((batch) => batch.map((d) => [d.type, d.type === 'message.status' ? d.data.status : d.type === 'message.received' ? d.data.id : null])),
    [[['message.received', 'M1']], [['message.status', 'delivered']], [['message.status', 'read']]],
  );
});

test('a failed publish is logged and the next event still goes out; stop ends the subscription', async () => {
  const { emit, published, inbound, logs } = rig(true);
  emit({ type: 'message_status', key, id: 'S1', status: 'delivered' });
  emit({ type: 'message_status', key, id: 'S1', status: 'read' });
  await inbound.settled();
  assert.deepEqual(published.map((b) => b[0]!.type === 'message.status' && b[0]!.data.status), ['read']);
  assert.match(logs(), /could not publish a webhook event/);
  inbound.stop();
  emit({ type: 'message_status', key, id: 'S2', status: 'read' });
  await inbound.settled();
  assert.equal(published.length, 1);
});

test('createApp with `webhooks`: a message typed on the virtual phone is published as message.received; without, it goes to the outbox', async () => {
  const engineStore = new SqliteStore(':memory:');
  const engine = new SimulatorEngine({ store: engineStore, speed: 1, logger: pino({ level: 'silent' }) });
  const published: WebhookEventDraft[] = [];
  const server = makeTestServer({ engine, config: { engine: 'simulator' }, extra: { webhooks: { publish: async (events) => void published.push(...events) } } });
  const without = makeTestServer({ engine, config: { engine: 'simulator' } });
  try {
    await without.store.insertWebhookEndpoint(webhookEndpoint({ tenantId: 'acme', events: ['message.received'] }));
    const qr = new Promise<string>((resolve) => engine.subscribe((e) => e.type === 'qr' && resolve(e.qr)));
    await engine.start(key);
    await engine.virtualPhone.scan(await qr);
    const res = await request(server.app).post('/dev/simulator/message').send({ session: key.name, tenant: key.tenantId, text: 'hello from the phone' }).expect(200);
    await server.app.locals.inboundMessages.settled();
    await without.app.locals.inboundMessages.settled();
    const [queued] = await without.store.claimWebhookDeliveries(Number.MAX_SAFE_INTEGER, 10, 1000);
    assert.deepEqual([queued?.type, JSON.parse(queued!.payload).id], ['message.received', res.body.data.id], 'no publisher given: the webhook outbox');
    assert.equal(published.length, 1);
    const event = published[0]!;
    assert.ok(event.type === 'message.received');
    assert.ok(!Number.isNaN(Date.parse(event.data.timestamp)) && event.data.timestamp.endsWith('Z'));
    assert.deepEqual(
      { ...event, data: { ...event.data, timestamp: undefined } },
      { tenantId: 'acme', sessionName: 'support', type: 'message.received', data: { session: 'support', id: res.body.data.id, from: '15550100002', type: 'text', text: 'hello from the phone', timestamp: undefined } },
    );
  } finally {
    await server.close();
    await without.close();
    await engine.close();
    await engineStore.close();
  }
});
