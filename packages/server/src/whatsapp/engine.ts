import type { ErrorCode, MessageStatus, MessageType, StatusReason } from '@titan-connect/protocol';
import type { EngineKind } from '../config.types.js';
import type { QrSvg } from '../qr-svg.js';

/** A WhatsApp session is named per tenant. */
export interface SessionKey {
  tenantId: string;
  name: string;
}

/** WhatsApp's QR schedule (baileys 7): the first ref lives 60 s, the next five 20 s each (~160 s in all). */
export const QR_FIRST_TTL_MS = 60_000;
export const QR_NEXT_TTL_MS = 20_000;
export const QR_MAX_ATTEMPTS = 6;

/** The sentences of engine failures, the same whichever engine reports them. */
export const FAILURE_MESSAGES = {
  WA_UNREACHABLE: 'Could not reach WhatsApp servers',
  LOGGED_OUT: 'The device was logged out from the phone',
  REPLACED: 'This session was opened somewhere else',
} as const;

/** One string per session key, for maps (a NUL cannot occur in a tenant id or session name). */
export const sessionKeyId = (key: SessionKey): string => `${key.tenantId}\u0000${key.name}`;

/** What a linking engine reports; the linking layer turns these into widget events and store rows. */
export type EngineEvent =
  | {
      type: 'qr';
      key: SessionKey;
      qr: string;
      expiresAt: number;
      attempt: number;
      maxAttempts: number;
      /** `qr` drawn already (qr-svg.ts), where an engine draws it off the main thread (threads/). */
      svg?: QrSvg;
    }
  | { type: 'pairing_code'; key: SessionKey; code: string; phoneNumber: string; expiresAt: number }
  | { type: 'connected'; key: SessionKey; method: 'qr' | 'pairing'; phone: string | null; pushName: string | null }
  /** Every QR ref was used up without a scan. */
  | { type: 'qr_timeout'; key: SessionKey }
  /**
   * The socket closed. `reconnecting` true: the engine retries by itself (AUTO_RECONNECT);
   * false: it stopped for good with `reason` (LOGGED_OUT, FAILED, MANUAL_STOP, ...).
   */
  | {
      type: 'disconnected';
      key: SessionKey;
      reason: StatusReason;
      code: ErrorCode;
      message: string;
      retryable: boolean;
      reconnecting: boolean;
    }
  /** A message reached the linked number (not one it sent itself). `from`: digits; `timestamp`: ms. */
  | { type: 'message'; key: SessionKey; message: InboundMessage }
  /** What became of a message the session sent (WhatsApp's acks). */
  | { type: 'message_status'; key: SessionKey; id: string; status: MessageStatus };

export interface InboundMessage {
  id: string;
  from: string;
  type: MessageType;
  /** The text, or a media message's caption. */
  text?: string;
  timestamp: number;
}

export type EngineListener = (event: EngineEvent) => void;

/** An engine's admission gate at a glance: its limit, sockets coming up, and those waiting. */
export interface AdmissionState {
  limit: number;
  active: number;
  queued: number;
}

/** An engine's session threads (`TITAN_ENGINE_THREADS`): how many run now, and how many were lost since start. */
export interface ThreadState {
  running: number;
  lost: number;
}

export interface StartOptions {
  /** Link with a pairing code for this number (digits only) instead of a QR. */
  pairingPhoneNumber?: string;
}

/**
 * The one interface the rest of the server sees. Implementations: `baileys` (real WhatsApp,
 * also `emulated` against the in-process edge emulator) and `simulator` (scripted, no network).
 */
export interface LinkingEngine {
  readonly kind: EngineKind;
  /** Starts linking a session that has no credentials, or reconnects one that has. Idempotent. */
  start(key: SessionKey, options?: StartOptions): Promise<void>;
  /** Asks for a pairing code for `phoneNumber` (digits only); the code arrives as a `pairing_code` event. */
  requestPairingCode(key: SessionKey, phoneNumber: string): Promise<void>;
  /** A fresh QR cycle after `qr_timeout`. */
  restartQr(key: SessionKey): Promise<void>;
  /** Logs the device out on WhatsApp and deletes its credentials. */
  logout(key: SessionKey): Promise<void>;
  /** Closes the socket, keeping the credentials. */
  stop(key: SessionKey): Promise<void>;
  /** Sends a text; `to` is digits only. Resolves to the message id. */
  sendText(key: SessionKey, to: string, text: string): Promise<string>;
  isRunning(key: SessionKey): boolean;
  /** Subscribes to every session's events; returns the unsubscribe function. */
  subscribe(listener: EngineListener): () => void;
  /** The virtual phone (simulator and emulated engines only). */
  readonly virtualPhone: VirtualPhone | null;
  /** Sockets of this instance coming up and waiting their turn (`TITAN_LINK_CONCURRENCY`); absent or null: no limit. */
  readonly admissionState?: AdmissionState | null;
  /** Its session threads; absent or null: sockets on the main thread (or no sockets). */
  readonly threadState?: ThreadState | null;
  /** Stops every session (server shutdown). */
  close(): Promise<void>;
}

/** Plays the user's phone, for offline tests and the demo. */
export interface VirtualPhone {
  /**
   * Links the session whose current QR is `qr` from the phone of `phoneNumber` (digits; a fresh
   * number when absent). Throws `EngineError` BAD_REQUEST (400) for a stale or unknown QR,
   * COMPANION_LIMIT (409) when that phone already has 4 companions (the session then fails with
   * the same code).
   */
  scan(qr: string, phoneNumber?: string): Promise<SessionKey>;
  /** Links the session whose current pairing code is `code`; throws `EngineError` BAD_REQUEST (400) for a wrong code. */
  enterCode(code: string): Promise<SessionKey>;
  /**
   * A contact (`from`, digits; `VIRTUAL_CONTACT` when absent) writes `text` to the number the
   * session is linked to; the session then reports it as a `message` event. Resolves to the
   * message id. Throws `EngineError` SESSION_NOT_CONNECTED (409) when the session is not connected.
   */
  sendMessage(key: SessionKey, text: string, from?: string): Promise<string>;
}

/** The number that writes to a linked session when the virtual phone names no sender. */
export const VIRTUAL_CONTACT = '15550100002';
