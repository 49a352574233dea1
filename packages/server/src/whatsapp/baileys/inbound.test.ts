// Baileys' message events → the engine's, on real WAProto objects: each message is encoded and
// decoded by Baileys' own `proto`, so the mapping sees what a socket hands it (Long timestamps,
// defaults on the prototype, not own properties).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { proto, type BaileysEventEmitter, type WAMessage } from 'baileys';
import type { EngineEvent } from '../engine.js';
import { followMessages, senderDigits, toInboundMessage, toMessageStatus, toStatusUpdate } from './inbound.js';

const NOW = 1_800_000_000_000;
const T = 1_760_000_000; // seconds, as WhatsApp sends them
const PN = '5511987654321@s.whatsapp.net';
const LID = '123456789012345@lid';

/** A message as a socket hands it over: through the wire format and back. */
const wire = (key: WAMessage['key'], message: proto.IMessage | null, timestamp: number | null = T): WAMessage => {
  const decoded = proto.WebMessageInfo.decode(
    proto.WebMessageInfo.encode({ key, message, ...(timestamp === null ? {} : { messageTimestamp: timestamp }) }).finish(),
  ) as WAMessage;
  // Baileys adds the alt jids beside the proto fields (they are not in WAProto's MessageKey).
  decoded.key = Object.assign(decoded.key, { remoteJidAlt: key.remoteJidAlt, participantAlt: key.participantAlt });
  return decoded;
};
const inbound = (message: proto.IMessage, key: Partial<WAMessage['key']> = {}) => wire({ remoteJid: PN, id: 'ABC1', fromMe: false, ...key }, message);

const MESSAGES: [string, WAMessage, ReturnType<typeof toInboundMessage>][] = [
  ['a plain text', inbound({ conversation: 'hello' }), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'hello', timestamp: T * 1000 }],
  ['an extended text (link preview, reply)', inbound({ extendedTextMessage: { text: 'see https://x.y' } }), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'see https://x.y', timestamp: T * 1000 }],
  ['an image with a caption', inbound({ imageMessage: { caption: 'the receipt', mimetype: 'image/jpeg' } }), { id: 'ABC1', from: '5511987654321', type: 'image', text: 'the receipt', timestamp: T * 1000 }],
  ['an image without a caption', inbound({ imageMessage: { mimetype: 'image/jpeg' } }), { id: 'ABC1', from: '5511987654321', type: 'image', timestamp: T * 1000 }],
  ['a video', inbound({ videoMessage: { caption: 'clip' } }), { id: 'ABC1', from: '5511987654321', type: 'video', text: 'clip', timestamp: T * 1000 }],
  ['a voice note', inbound({ audioMessage: { ptt: true, seconds: 3 } }), { id: 'ABC1', from: '5511987654321', type: 'audio', timestamp: T * 1000 }],
  ['a document with a caption (wrapped)', inbound({ documentWithCaptionMessage: { message: { documentMessage: { caption: 'invoice', fileName: 'a.pdf' } } } }), { id: 'ABC1', from: '5511987654321', type: 'document', text: 'invoice', timestamp: T * 1000 }],
  ['a sticker', inbound({ stickerMessage: { isAnimated: false } }), { id: 'ABC1', from: '5511987654321', type: 'sticker', timestamp: T * 1000 }],
  ['a location', inbound({ locationMessage: { degreesLatitude: -23.5, degreesLongitude: -46.6 } }), { id: 'ABC1', from: '5511987654321', type: 'location', timestamp: T * 1000 }],
  ['a contact card', inbound({ contactMessage: { displayName: 'Ana', vcard: 'BEGIN:VCARD' } }), { id: 'ABC1', from: '5511987654321', type: 'contact', timestamp: T * 1000 }],
  ['a reaction', inbound({ reactionMessage: { text: '👍', key: { id: 'OUR1', fromMe: true, remoteJid: PN } } }), { id: 'ABC1', from: '5511987654321', type: 'reaction', text: '👍', timestamp: T * 1000 }],
  ['a poll (anything else)', inbound({ pollCreationMessage: { name: 'Lunch?' } }), { id: 'ABC1', from: '5511987654321', type: 'other', timestamp: T * 1000 }],
  ['a disappearing text (ephemeral wrapper)', inbound({ ephemeralMessage: { message: { conversation: 'psst' } } }), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'psst', timestamp: T * 1000 }],
  ['a LID chat: the phone number from the alt jid', inbound({ conversation: 'hi' }, { remoteJid: LID, remoteJidAlt: PN }), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'hi', timestamp: T * 1000 }],
  ['a LID chat without a phone number: the LID digits', inbound({ conversation: 'hi' }, { remoteJid: LID }), { id: 'ABC1', from: '123456789012345', type: 'text', text: 'hi', timestamp: T * 1000 }],
  ['a group message: the participant, not the group', inbound({ conversation: 'all' }, { remoteJid: '120363000000000000@g.us', participant: LID, participantAlt: PN }), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'all', timestamp: T * 1000 }],
  ['a group text beside its sender key and context info', inbound({ senderKeyDistributionMessage: { groupId: 'g' }, conversation: 'hi all', messageContextInfo: { messageSecret: Buffer.alloc(32) } }, { remoteJid: '120363000000000000@g.us', participant: PN }), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'hi all', timestamp: T * 1000 }],
  ['no timestamp: now', wire({ remoteJid: PN, id: 'ABC1', fromMe: false }, { conversation: 'x' }, null), { id: 'ABC1', from: '5511987654321', type: 'text', text: 'x', timestamp: NOW }],
  // Not messages someone sent to the number:
  ['our own send (or another of our devices)', inbound({ conversation: 'from me' }, { fromMe: true }), null],
  ['a status update', inbound({ conversation: 'my story' }, { remoteJid: 'status@broadcast', participant: PN }), null],
  ['a newsletter post', inbound({ conversation: 'news' }, { remoteJid: '120363000000000001@newsletter' }), null],
  ['a protocol message (app-state keys)', inbound({ protocolMessage: { type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE } }), null],
  ['a group sender-key distribution only', inbound({ senderKeyDistributionMessage: { groupId: 'g' } }), null],
  ['a stub without content (could not decrypt)', inbound({}), null],
  ['a reaction taken back', inbound({ reactionMessage: { text: '', key: { id: 'OUR1' } } }), null],
];

for (const [name, message, expected] of MESSAGES) {
  test(`toInboundMessage: ${name}`, () => {
    assert.deepEqual(toInboundMessage(message, NOW), expected);
  });
}

test('senderDigits prefers the phone-number jid whichever side it is on', () => {
  assert.equal(senderDigits({ remoteJid: PN, remoteJidAlt: LID }), '5511987654321');
  assert.equal(senderDigits({ remoteJid: '5511987654321:3@s.whatsapp.net' }), '5511987654321');
  assert.equal(senderDigits({ remoteJid: undefined }), null);
});

const { Status } = proto.WebMessageInfo;
const STATUSES: [proto.WebMessageInfo.Status | undefined, ReturnType<typeof toMessageStatus>][] = [
  [Status.ERROR, 'failed'],
  [Status.PENDING, null],
  [Status.SERVER_ACK, 'sent'],
  [Status.DELIVERY_ACK, 'delivered'],
  [Status.READ, 'read'],
  [Status.PLAYED, 'read'],
  [undefined, null],
];
for (const [status, expected] of STATUSES) {
  test(`toMessageStatus: ${status === undefined ? 'none' : Status[status]} → ${expected}`, () => {
    assert.equal(toMessageStatus(status), expected);
  });
}

test('toStatusUpdate: only our own messages, only with a status', () => {
  const ours = { remoteJid: PN, id: 'OUR1', fromMe: true };
  assert.deepEqual(toStatusUpdate({ key: ours, update: { status: Status.DELIVERY_ACK } }), { id: 'OUR1', status: 'delivered' });
  assert.equal(toStatusUpdate({ key: { ...ours, fromMe: false }, update: { status: Status.READ } }), null, 'their message, read on our phone');
  assert.equal(toStatusUpdate({ key: ours, update: { starred: true } }), null);
  assert.equal(toStatusUpdate({ key: { ...ours, remoteJid: 'status@broadcast' }, update: { status: Status.READ } }), null);
});

test('followMessages: notify upserts become `message`, other upserts do not; updates become `message_status`', () => {
  const ev = new EventEmitter() as unknown as BaileysEventEmitter;
  const events: EngineEvent[] = [];
  const key = { tenantId: 't', name: 's' };
  followMessages(ev, key, (event) => events.push(event), () => NOW);
  ev.emit('messages.upsert', { type: 'append', messages: [inbound({ conversation: 'old' })] });
  ev.emit('messages.upsert', { type: 'notify', messages: [inbound({ conversation: 'new' }), inbound({ conversation: 'x' }, { fromMe: true })] });
  ev.emit('messages.update', [
    { key: { remoteJid: PN, id: 'OUR1', fromMe: true }, update: { status: Status.DELIVERY_ACK } },
    { key: { remoteJid: PN, id: 'OUR1', fromMe: true }, update: { status: Status.READ } },
  ]);
  assert.deepEqual(events, [
    { type: 'message', key, message: { id: 'ABC1', from: '5511987654321', type: 'text', text: 'new', timestamp: T * 1000 } },
    { type: 'message_status', key, id: 'OUR1', status: 'delivered' },
    { type: 'message_status', key, id: 'OUR1', status: 'read' },
  ]);
});
