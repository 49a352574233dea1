// A stand-in for a Baileys socket: the `ev` emitter with `connection.update` / `creds.update`,
// and the few methods the engine calls. Tests drive it the way WhatsApp drives a real one.
import { EventEmitter } from 'node:events';
import type { UserFacingSocketConfig } from 'baileys';
import type { BaileysSocket, MakeSocket } from '../session-socket.js';

/** Shaped like baileys' Boom errors: only `output.statusCode` and the message matter. */
export const boom = (statusCode: number, message: string) => Object.assign(new Error(message), { output: { statusCode } });

export class FakeSocket {
  readonly ev = new EventEmitter();
  readonly pairingRequests: string[] = [];
  readonly sent: { jid: string; content: unknown }[] = [];
  pairingCode = 'ABCD2345';
  pairingError: Error | null = null;
  loggedOut = false;
  ended = false;
  private closed = false;

  constructor(readonly config: UserFacingSocketConfig) {}

  get creds() {
    return this.config.auth.creds;
  }

  get user() {
    return this.creds.me;
  }

  // --- what the engine calls --------------------------------------------------------------------
  requestPairingCode = async (phoneNumber: string): Promise<string> => {
    this.pairingRequests.push(phoneNumber);
    // Like baileys: the half-written `me` is saved before the request goes out.
    this.emitCreds({ me: { id: `${phoneNumber}@s.whatsapp.net`, name: '~' }, pairingCode: this.pairingCode });
    if (this.pairingError) throw this.pairingError;
    return this.pairingCode;
  };

  logout = async (): Promise<void> => {
    this.loggedOut = true;
    this.close(401, 'Intentional Logout');
  };

  end = async (error: Error | undefined): Promise<void> => {
    this.ended = true;
    this.closeWith(error);
  };

  sendMessage = async (jid: string, content: unknown) => {
    this.sent.push({ jid, content });
    return { key: { id: `MSG${this.sent.length}`, remoteJid: jid, fromMe: true } };
  };

  // --- what the test does as WhatsApp -----------------------------------------------------------
  /** A contact's text arrives, as baileys reports a decrypted message; returns its id. */
  receiveText(from: string, text: string, id = `3A${Math.random().toString(16).slice(2, 12).toUpperCase()}`): string {
    const message = { key: { remoteJid: `${from}@s.whatsapp.net`, id, fromMe: false }, message: { conversation: text }, messageTimestamp: Math.floor(Date.now() / 1000) };
    this.ev.emit('messages.upsert', { type: 'notify', messages: [message] });
    return id;
  }

  /** The recipient's phone acks one of our messages (`status`: WebMessageInfo.Status). */
  receipt(to: string, id: string, status: number): void {
    this.ev.emit('messages.update', [{ key: { remoteJid: `${to}@s.whatsapp.net`, id, fromMe: true }, update: { status } }]);
  }

  showQr(ref = `ref${Math.random().toString(36).slice(2, 8)}`): void {
    this.ev.emit('connection.update', { qr: `https://wa.me/settings/linked_devices#${ref},noise,identity,adv,1` });
  }

  /** The phone scanned (or entered the code): WhatsApp issues the device identity, then asks for a restart. */
  pairSuccess(jid = '5511912345678:7@s.whatsapp.net'): void {
    this.emitCreds({ me: { id: jid, name: 'Maria' }, account: { details: Buffer.from([1, 2, 3]) }, platform: 'android' });
    this.ev.emit('connection.update', { isNewLogin: true, qr: undefined });
    this.close(515, 'Stream Errored (restart required)');
  }

  open(): void {
    this.ev.emit('connection.update', { connection: 'open' });
  }

  close(statusCode: number, message: string): void {
    this.closeWith(boom(statusCode, message));
  }

  private closeWith(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.ev.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
    this.ev.removeAllListeners();
  }

  private emitCreds(update: Record<string, unknown>): void {
    // Baileys merges the update into its creds before the app's listener runs.
    Object.assign(this.creds, update);
    this.ev.emit('creds.update', update);
  }
}

/** A `makeSocket` that records every socket; `next()` waits for the following one. */
export function fakeSockets() {
  const sockets: FakeSocket[] = [];
  const waiters: (() => void)[] = [];
  const make: MakeSocket = (config) => {
    const socket = new FakeSocket(config);
    sockets.push(socket);
    waiters.splice(0).forEach((wake) => wake());
    return socket as unknown as BaileysSocket;
  };
  let taken = 0;
  /** The socket after the last one returned by `next()` (waits until it is made). */
  const next = async (): Promise<FakeSocket> => {
    while (sockets.length <= taken) await new Promise<void>((resolve) => waiters.push(resolve));
    return sockets[taken++]!;
  };
  return { make, sockets, next };
}
