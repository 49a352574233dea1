// Baileys' message events as the engine's: `messages.upsert` → `message`, `messages.update` →
// `message_status`. Pure functions of Baileys' proto objects, so they are tested on real ones;
// `session-socket.ts` only wires them to a socket.
import { getContentType, isJidBroadcast, isJidGroup, isJidNewsletter, isLidUser, isPnUser, jidDecode, normalizeMessageContent, proto } from 'baileys';
import type { BaileysEventEmitter, WAMessage, WAMessageKey, WAMessageUpdate } from 'baileys';
import type { MessageStatus, MessageType } from '@titan-connect/protocol';
import type { EngineEvent, InboundMessage, SessionKey } from '../engine.js';

type MessageContent = proto.IMessage;

/** Which engine type each Baileys content key is; anything else with content is `other`. */
const TYPE_OF_CONTENT: Partial<Record<keyof MessageContent, MessageType>> = {
  conversation: 'text',
  extendedTextMessage: 'text',
  imageMessage: 'image',
  videoMessage: 'video',
  ptvMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contact',
  contactsArrayMessage: 'contact',
  reactionMessage: 'reaction',
};

/**
 * Content keys that are WhatsApp's plumbing, not something a person sent: key shares, history
 * sync, deletes and edits (protocolMessage), group sender keys, read-once bookkeeping.
 */
const NOISE = new Set<keyof MessageContent>(['protocolMessage', 'senderKeyDistributionMessage', 'messageContextInfo', 'keepInChatMessage', 'pinInChatMessage']);

/** The text a person would read: the text itself, a media caption, a reaction's emoji. */
const textOf = (content: MessageContent): string | undefined => {
  const text =
    content.conversation ??
    content.extendedTextMessage?.text ??
    content.imageMessage?.caption ??
    content.videoMessage?.caption ??
    content.ptvMessage?.caption ??
    content.documentMessage?.caption ??
    content.reactionMessage?.text;
  return text ? text : undefined;
};

/**
 * The sender's number, digits only. WhatsApp now addresses many chats by LID (`<lid>@lid`, not a
 * phone number); Baileys then carries the phone-number jid as the "alt" jid, which we prefer.
 * With no phone number anywhere, the LID's digits are all there is.
 */
export const senderDigits = (key: WAMessageKey): string | null => {
  const group = isJidGroup(key.remoteJid ?? undefined);
  const candidates = group ? [key.participant, key.participantAlt] : [key.remoteJid, key.remoteJidAlt];
  const jids = candidates.filter((jid): jid is string => typeof jid === 'string' && jid.length > 0);
  const chosen = jids.find((jid) => isPnUser(jid)) ?? jids.find((jid) => isLidUser(jid));
  const user = jidDecode(chosen)?.user;
  return user && /^\d+$/.test(user) ? user : null;
};

const millis = (timestamp: WAMessage['messageTimestamp']): number | null => {
  if (timestamp === null || timestamp === undefined) return null;
  const seconds = typeof timestamp === 'number' ? timestamp : Number(timestamp.toString());
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
};

/**
 * A message someone sent to the linked number, or null for everything that is not one: our own
 * sends (and our other devices'), status updates, broadcasts, newsletters, WhatsApp's protocol
 * messages, stubs without content (e.g. a message that failed to decrypt), a reaction removed.
 * `now` stands in for a message without a timestamp.
 */
export const toInboundMessage = (message: WAMessage, now: number): InboundMessage | null => {
  const key = message.key;
  if (!key?.id || key.fromMe) return null;
  const chat = key.remoteJid ?? undefined;
  if (!chat || isJidBroadcast(chat) || isJidNewsletter(chat)) return null;
  const content = normalizeMessageContent(message.message);
  if (!content) return null;
  const contentKey = getContentType(content) as keyof MessageContent | undefined;
  if (!contentKey || NOISE.has(contentKey)) return null;
  const type = TYPE_OF_CONTENT[contentKey] ?? 'other';
  const text = textOf(content);
  if (type === 'reaction' && !text) return null; // an empty reaction takes one back
  const from = senderDigits(key);
  if (!from) return null;
  return { id: key.id, from, type, ...(text === undefined ? {} : { text }), timestamp: millis(message.messageTimestamp) ?? now };
};

const { Status } = proto.WebMessageInfo;

/** WhatsApp's ack levels as ours; PENDING (not yet on the server) and unknown values are none. */
export const toMessageStatus = (status: proto.WebMessageInfo.Status | null | undefined): MessageStatus | null => {
  switch (status) {
    case Status.SERVER_ACK:
      return 'sent';
    case Status.DELIVERY_ACK:
      return 'delivered';
    case Status.READ:
    case Status.PLAYED:
      return 'read';
    case Status.ERROR:
      return 'failed';
    default:
      return null;
  }
};

/** A status change of a message this session sent, or null (someone else's message, no status). */
export const toStatusUpdate = (update: WAMessageUpdate): { id: string; status: MessageStatus } | null => {
  if (!update.key.fromMe || !update.key.id) return null;
  if (isJidBroadcast(update.key.remoteJid ?? undefined)) return null;
  const status = toMessageStatus(update.update.status);
  return status ? { id: update.key.id, status } : null;
};

/** Emits the engine's `message` and `message_status` events for one socket's message events. */
export const followMessages = (ev: BaileysEventEmitter, key: SessionKey, emit: (event: EngineEvent) => void, now: () => number): void => {
  ev.on('messages.upsert', ({ type, messages }) => {
    // `append` and the rest are history and our own sends; `notify` is what just arrived.
    if (type !== 'notify') return;
    for (const raw of messages) {
      const message = toInboundMessage(raw, now());
      if (message) emit({ type: 'message', key, message });
    }
  });
  ev.on('messages.update', (updates) => {
    for (const update of updates) {
      const status = toStatusUpdate(update);
      if (status) emit({ type: 'message_status', key, ...status });
    }
  });
};
