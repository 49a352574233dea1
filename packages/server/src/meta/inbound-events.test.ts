import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloudApiChanges, draftsForChange, messageStatus, receivedMessage } from './inbound-events.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const AT = '1764590400'; // 2025-12-01T12:00:00Z
const AT_ISO = '2025-12-01T12:00:00.000Z';
const FROM = '16315551181';

test('receivedMessage: text, captions of media, a reaction\'s emoji, types by name, the rest as other', () => {
  const CASES: [string, unknown, object | null][] = [
    ['text', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'text', text: { body: 'Olá! ✓' } }, { type: 'text', text: 'Olá! ✓' }],
    ['image with caption', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'image', image: { caption: 'our shop', mime_type: 'image/jpeg', id: 'media1' } }, { type: 'image', text: 'our shop' }],
    ['image without caption', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'image', image: { mime_type: 'image/jpeg', id: 'media1' } }, { type: 'image' }],
    ['video with caption', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'video', video: { caption: 'look' } }, { type: 'video', text: 'look' }],
    ['document with caption', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'document', document: { caption: 'invoice', filename: 'inv.pdf' } }, { type: 'document', text: 'invoice' }],
    ['audio', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'audio', audio: { id: 'a', voice: true } }, { type: 'audio' }],
    ['sticker', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'sticker', sticker: { id: 's' } }, { type: 'sticker' }],
    ['location', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'location', location: { latitude: 1, longitude: 2 } }, { type: 'location' }],
    ['contacts', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'contacts', contacts: [{ name: { formatted_name: 'A' } }] }, { type: 'contact' }],
    ['reaction', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'reaction', reaction: { message_id: 'wamid.0', emoji: '👍' } }, { type: 'reaction', text: '👍' }],
    // An empty emoji takes a reaction back: nothing was received (the Baileys engine agrees).
    ['reaction removed', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'reaction', reaction: { message_id: 'wamid.0', emoji: '' } }, null],
    ['interactive', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'interactive', interactive: { type: 'button_reply' } }, { type: 'other' }],
    ['unsupported', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'unsupported', errors: [{ code: 131051 }] }, { type: 'other' }],
    ['a caption that is not a string', { from: FROM, id: 'wamid.1', timestamp: AT, type: 'image', image: { caption: 5 } }, { type: 'image' }],
    ['no id', { from: FROM, timestamp: AT, type: 'text', text: { body: 'x' } }, null],
    ['no sender', { id: 'wamid.1', timestamp: AT, type: 'text', text: { body: 'x' } }, null],
    ['a sender without digits', { from: 'abc', id: 'wamid.1', timestamp: AT, type: 'text', text: { body: 'x' } }, null],
    ['not an object', 'wamid.1', null],
  ];
  for (const [name, message, expected] of CASES) {
    const data = receivedMessage('shop', message, NOW);
    assert.deepEqual(data, expected && { session: 'shop', id: 'wamid.1', from: FROM, timestamp: AT_ISO, ...expected }, name);
  }
});

test('receivedMessage: the timestamp is ISO 8601, now when Meta sent none or nonsense; the sender is digits only', () => {
  for (const [timestamp, iso] of [
    [AT, AT_ISO],
    [undefined, new Date(NOW).toISOString()],
    ['soon', new Date(NOW).toISOString()],
    ['-5', new Date(NOW).toISOString()],
  ] as const) {
    assert.equal(receivedMessage('s', { from: FROM, id: 'm', timestamp, type: 'text', text: { body: 'x' } }, NOW)!.timestamp, iso, String(timestamp));
  }
  assert.equal(receivedMessage('s', { from: '+1 (631) 555-1181', id: 'm', type: 'text', text: { body: 'x' } }, NOW)!.from, FROM);
});

test('messageStatus: sent, delivered, read and failed; others are not reported', () => {
  for (const status of ['sent', 'delivered', 'read', 'failed'] as const) {
    assert.deepEqual(messageStatus('shop', { id: 'wamid.9', status, timestamp: AT, recipient_id: FROM }), { session: 'shop', id: 'wamid.9', status });
  }
  for (const other of [{ id: 'wamid.9', status: 'deleted' }, { id: 'wamid.9', status: 'warning' }, { status: 'read' }, { id: '', status: 'read' }, null]) {
    assert.equal(messageStatus('shop', other), null, JSON.stringify(other));
  }
});

test('cloudApiChanges: only `messages` changes with a phone number id, in order', () => {
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'waba1',
        changes: [
          { field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001', phone_number_id: '1066' }, messages: [] } },
          { field: 'account_update', value: { metadata: { phone_number_id: '1066' } } },
          { field: 'messages', value: { metadata: { phone_number_id: 'has space' } } },
          { field: 'messages', value: { metadata: {} } },
          { field: 'messages', value: 'nope' },
        ],
      },
      { id: 'waba2', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '2077' }, statuses: [] } }] },
      'garbage',
      { id: 'waba3' },
    ],
  };
  assert.deepEqual(
    cloudApiChanges(body).map((c) => c.phoneNumberId),
    ['1066', '2077'],
  );
  for (const nothing of [null, 'x', [], {}, { entry: 'x' }, { entry: [{ changes: 'x' }] }]) assert.deepEqual(cloudApiChanges(nothing), [], JSON.stringify(nothing));
});

test('draftsForChange: messages then statuses, for the session they belong to, malformed items skipped', () => {
  const drafts = draftsForChange(
    { tenantId: 'acme', name: 'shop' },
    {
      metadata: { phone_number_id: '1066' },
      contacts: [{ wa_id: FROM, profile: { name: 'Ana' } }],
      messages: [{ from: FROM, id: 'wamid.1', timestamp: AT, type: 'text', text: { body: 'hi' } }, { id: 'broken' }],
      statuses: [
        { id: 'wamid.0', status: 'delivered', timestamp: AT, recipient_id: FROM },
        { id: 'wamid.0', status: 'deleted' },
      ],
    },
    NOW,
  );
  assert.deepEqual(drafts, [
    { tenantId: 'acme', sessionName: 'shop', type: 'message.received', data: { session: 'shop', id: 'wamid.1', from: FROM, type: 'text', text: 'hi', timestamp: AT_ISO } },
    { tenantId: 'acme', sessionName: 'shop', type: 'message.status', data: { session: 'shop', id: 'wamid.0', status: 'delivered' } },
  ]);
});
