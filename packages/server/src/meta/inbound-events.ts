// What a Cloud API webhook body (Meta's `whatsapp_business_account` object) says, as our own
// events: `value.messages[]` → `message.received`, `value.statuses[]` → `message.status`.
// Pure functions over untrusted JSON: anything malformed is skipped, never thrown.
import type { MessageStatus, MessageType, WebhookEventDataMap } from '@titan-connect/protocol';
import type { WebhookEventDraft } from '../webhooks/types.js';

/** One `entry[].changes[]` of field `messages`, with the phone number id it is about. */
export interface CloudApiChange {
  phoneNumberId: string;
  value: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** Meta ids are numeric strings; letters are allowed for test fakes, as in config.ts. */
const META_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The `messages` changes of a webhook body, in order. Other fields (account updates, templates…) are not ours. */
export function cloudApiChanges(body: unknown): CloudApiChange[] {
  if (!isRecord(body)) return [];
  const changes: CloudApiChange[] = [];
  for (const entry of arrayOf(body.entry)) {
    if (!isRecord(entry)) continue;
    for (const change of arrayOf(entry.changes)) {
      if (!isRecord(change) || change.field !== 'messages' || !isRecord(change.value)) continue;
      const metadata = change.value.metadata;
      const phoneNumberId = isRecord(metadata) ? metadata.phone_number_id : undefined;
      if (typeof phoneNumberId === 'string' && META_ID.test(phoneNumberId)) changes.push({ phoneNumberId, value: change.value });
    }
  }
  return changes;
}

/** Media types that carry a caption; the rest are named as they are or fall to `other`. */
const CAPTIONED = new Set(['image', 'video', 'document']);
const SAME_NAME = new Set<MessageType>(['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'reaction']);
const STATUSES = new Set<string>(['sent', 'delivered', 'read', 'failed'] satisfies MessageStatus[]);

const messageTypeOf = (type: unknown): MessageType =>
  type === 'contacts' ? 'contact' : SAME_NAME.has(type as MessageType) ? (type as MessageType) : 'other';

/** Meta's `timestamp` (Unix seconds, as a string) as ISO 8601; `fallback` when it is not one. */
function isoOf(timestamp: unknown, fallback: number): string {
  const seconds = typeof timestamp === 'string' && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : typeof timestamp === 'number' ? timestamp : NaN;
  return new Date(Number.isSafeInteger(seconds) && seconds > 0 ? seconds * 1000 : fallback).toISOString();
}

/** A `value.messages[]` item as `message.received` data, or null when it lacks an id or sender. */
export function receivedMessage(session: string, message: unknown, now: number): WebhookEventDataMap['message.received'] | null {
  if (!isRecord(message) || typeof message.id !== 'string' || message.id === '' || typeof message.from !== 'string') return null;
  const from = message.from.replace(/\D/g, '');
  if (from === '') return null;
  const type = messageTypeOf(message.type);
  const data: WebhookEventDataMap['message.received'] = { session, id: message.id, from, type, timestamp: isoOf(message.timestamp, now) };
  const content = isRecord(message[String(message.type)]) ? (message[String(message.type)] as Record<string, unknown>) : null;
  if (type === 'text' && typeof content?.body === 'string') data.text = content.body;
  if (CAPTIONED.has(type) && typeof content?.caption === 'string') data.text = content.caption;
  // A reaction's emoji is its text, as the Baileys engine reports it; an empty one takes it back.
  if (type === 'reaction') {
    if (typeof content?.emoji !== 'string' || content.emoji === '') return null;
    data.text = content.emoji;
  }
  return data;
}

/** A `value.statuses[]` item as `message.status` data, or null for a status we do not report (e.g. `deleted`). */
export function messageStatus(session: string, status: unknown): WebhookEventDataMap['message.status'] | null {
  if (!isRecord(status) || typeof status.id !== 'string' || status.id === '' || !STATUSES.has(String(status.status))) return null;
  return { session, id: status.id, status: status.status as MessageStatus };
}

/** Every event one change causes for the WhatsApp session it belongs to, messages first, in Meta's order. */
export function draftsForChange(session: { tenantId: string; name: string }, value: Record<string, unknown>, now: number): WebhookEventDraft[] {
  const base = { tenantId: session.tenantId, sessionName: session.name };
  const drafts: WebhookEventDraft[] = [];
  for (const message of arrayOf(value.messages)) {
    const data = receivedMessage(session.name, message, now);
    if (data) drafts.push({ ...base, type: 'message.received', data });
  }
  for (const status of arrayOf(value.statuses)) {
    const data = messageStatus(session.name, status);
    if (data) drafts.push({ ...base, type: 'message.status', data });
  }
  return drafts;
}
