import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent, EngineListener } from '../whatsapp/engine.js';
import { forwardEngineMessages, messageEvent } from './engine-messages.js';
import type { WebhookEventDraft } from './types.js';

const key = { tenantId: 'acme', name: 'shop' };
const T = Date.UTC(2026, 11, 1, 18, 20);

test('messageEvent maps message and message_status, and nothing else', () => {
  const CASES: [EngineEvent, WebhookEventDraft | null][] = [
    [
      { type: 'message', key, message: { id: '3EB0A1', from: '5511987654321', type: 'text', text: 'Olá', timestamp: T } },
      { tenantId: 'acme', sessionName: 'shop', type: 'message.received', data: { session: 'shop', id: '3EB0A1', from: '5511987654321', type: 'text', text: 'Olá', timestamp: '2026-12-01T18:20:00.000Z' } },
    ],
    [
      { type: 'message', key, message: { id: '3EB0A2', from: '5511987654321', type: 'sticker', timestamp: T } },
      { tenantId: 'acme', sessionName: 'shop', type: 'message.received', data: { session: 'shop', id: '3EB0A2', from: '5511987654321', type: 'sticker', timestamp: '2026-12-01T18:20:00.000Z' } },
    ],
    [{ type: 'message_status', key, id: '3EB0B1', status: 'read' }, { tenantId: 'acme', sessionName: 'shop', type: 'message.status', data: { session: 'shop', id: '3EB0B1', status: 'read' } }],
    [{ type: 'qr_timeout', key }, null],
    [{ type: 'connected', key, method: 'qr', phone: '1', pushName: null }, null],
  ];
  for (const [event, expected] of CASES) assert.deepEqual(messageEvent(event), expected, event.type);
});

test('a burst of engine events is published as one batch, in order', async () => {
  let listener: EngineListener = () => {};
  const batches: (readonly WebhookEventDraft[])[] = [];
  const stop = forwardEngineMessages(
    { subscribe: (l) => ((listener = l), () => (listener = () => {})) },
    { publish: async (events) => void batches.push(events) },
    { error: () => {} },
  );
  for (let i = 0; i < 3; i++) listener({ type: 'message_status', key, id: `m${i}`, status: 'delivered' });
  listener({ type: 'qr_timeout', key });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches.map((b) => b.map((e) => (e.data as { id: string }).id)), [['m0', 'm1', 'm2']]);
  stop();
  listener({ type: 'message_status', key, id: 'late', status: 'read' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(batches.length, 1, 'nothing after unsubscribing');
});
