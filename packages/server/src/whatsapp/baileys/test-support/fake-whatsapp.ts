// A fake WhatsApp behind the fake sockets, for the engine contract: every new socket either logs
// in (registered creds) or shows a QR built like baileys builds it, and a virtual phone scans a
// QR or enters a pairing code the way the real phone would (pair-success, then 515).
import { randomBytes, randomInt } from 'node:crypto';
import { Browsers, buildPairingQRData, bytesToCrockford, proto } from 'baileys';
import { EngineError, HttpError } from '../../../errors.js';
import { type LinkingEngine, type SessionKey, VIRTUAL_CONTACT, type VirtualPhone, sessionKeyId } from '../../engine.js';
import type { BaileysSocket, MakeSocket } from '../session-socket.js';
import { FakeSocket } from './fake-socket.js';

export class FakeWhatsApp {
  private readonly live = new Set<FakeSocket>();
  /** What the engine reported, so the phone knows which session a QR or code belongs to. */
  private readonly keysByQr = new Map<string, SessionKey>();
  private readonly keysByCode = new Map<string, SessionKey>();
  private readonly lastQr = new Map<FakeSocket, string>();
  /** The open socket of each connected session (what a contact's message reaches). */
  private readonly openSockets = new Map<string, FakeSocket>();
  private opening: FakeSocket | null = null;

  readonly makeSocket: MakeSocket = (config) => {
    const socket = new FakeSocket(config);
    socket.pairingCode = bytesToCrockford(randomBytes(5));
    // The recipient's phone acks every message: delivered, then read.
    const send = socket.sendMessage;
    socket.sendMessage = async (jid, content) => {
      const sent = await send(jid, content);
      const to = jid.split('@')[0]!;
      setTimeout(() => socket.receipt(to, sent.key.id, proto.WebMessageInfo.Status.DELIVERY_ACK), 5);
      setTimeout(() => socket.receipt(to, sent.key.id, proto.WebMessageInfo.Status.READ), 10);
      return sent;
    };
    this.live.add(socket);
    socket.ev.on('connection.update', (u: { connection?: string }) => u.connection === 'close' && this.live.delete(socket));
    // Like the real edge: answer after the handshake, never inside makeSocket.
    setImmediate(() => {
      if (!this.live.has(socket)) return;
      const creds = socket.creds;
      if (creds.me?.id && creds.account) {
        this.opening = socket;
        socket.open(); // the engine's `connected` comes synchronously: `watch` pairs it with this socket
        this.opening = null;
      }
      else this.showQr(socket);
    });
    return socket as unknown as BaileysSocket;
  };

  readonly phone: VirtualPhone = {
    scan: async (qr) => {
      const socket = [...this.live].find((s) => this.lastQr.get(s) === qr);
      const key = this.keysByQr.get(qr);
      if (!socket || !key) throw new HttpError(400, 'BAD_REQUEST', 'This QR code is stale or unknown.');
      socket.pairSuccess(`1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}:3@s.whatsapp.net`);
      return key;
    },
    enterCode: async (code) => {
      const bare = code.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
      const socket = [...this.live].find((s) => s.pairingRequests.length > 0 && s.pairingCode === bare);
      const key = this.keysByCode.get(bare);
      if (!socket || !key) throw new HttpError(400, 'BAD_REQUEST', 'This pairing code is wrong or has expired.');
      socket.pairSuccess(`${socket.pairingRequests.at(-1)}:3@s.whatsapp.net`);
      return key;
    },
    sendMessage: async (key, text, from = VIRTUAL_CONTACT) => {
      const socket = this.openSockets.get(sessionKeyId(key));
      if (!socket || !this.live.has(socket)) throw new EngineError('SESSION_NOT_CONNECTED', `Session "${key.name}" is not connected.`);
      return socket.receiveText(from, text);
    },
  };

  /** Lets the phone map QRs and codes to sessions from the engine's own events. */
  watch(engine: LinkingEngine): void {
    engine.subscribe((event) => {
      if (event.type === 'qr') this.keysByQr.set(event.qr, event.key);
      if (event.type === 'pairing_code') this.keysByCode.set(event.code, event.key);
      if (event.type === 'connected' && this.opening) this.openSockets.set(sessionKeyId(event.key), this.opening);
    });
  }

  private showQr(socket: FakeSocket): void {
    const { noiseKey, signedIdentityKey, advSecretKey } = socket.creds;
    const qr = buildPairingQRData(
      randomBytes(16).toString('base64url'),
      Buffer.from(noiseKey.public).toString('base64'),
      Buffer.from(signedIdentityKey.public).toString('base64'),
      advSecretKey,
      Browsers.macOS('Chrome'),
    );
    this.lastQr.set(socket, qr);
    socket.ev.emit('connection.update', { qr });
  }
}
