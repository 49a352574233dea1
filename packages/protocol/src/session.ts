import type { LinkMethod } from './modes.js';

/** Status of a WhatsApp session (the name the backend sends messages through). */
export const SESSION_STATUSES = ['CONNECTING', 'CONNECTED', 'DISCONNECTED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Why a session has its status. */
export const STATUS_REASONS = [
  'SCAN_QR',
  'PAIRING_CODE',
  'AUTO_RECONNECT',
  'MANUAL_STOP',
  'QR_TIMEOUT',
  'LOGGED_OUT',
  'FAILED',
] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];

/** `GET /api/sessions/:name` data. */
export interface WhatsAppSessionInfo {
  name: string;
  status: SessionStatus;
  statusReason: StatusReason | null;
  method: LinkMethod | null;
  /** Linked number, digits only (E.164 without `+`). */
  phone: string | null;
  pushName: string | null;
  createdAt: string;
  updatedAt: string;
}

export const isSessionStatus = (value: unknown): value is SessionStatus =>
  typeof value === 'string' && (SESSION_STATUSES as readonly string[]).includes(value);

export const isStatusReason = (value: unknown): value is StatusReason =>
  typeof value === 'string' && (STATUS_REASONS as readonly string[]).includes(value);

/** `sessionName` rule of `POST /api/widget/sessions`. */
export const SESSION_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
