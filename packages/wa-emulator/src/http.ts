// The virtual phone over HTTP (JSON in, JSON out), for demos and for driving an emulator that
// runs in another process. Loopback only: it has no authentication, like the phone in your hand.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PhoneError } from './edge.js';
import type { LoginStats } from './logins.js';
import type { VirtualPhone } from './phone.js';

const MAX_BODY = 16 * 1024;
const DIGITS = /^\d{6,15}$/;
/** WhatsApp's own limit on a text message is far higher; a phone typing into a demo needs no more. */
const MAX_TEXT = 4096;

class BodyTooLarge extends Error {}

const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > MAX_BODY) throw new BodyTooLarge();
  }
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
};

const str = (body: Record<string, unknown>, key: string): string | undefined =>
  typeof body[key] === 'string' ? (body[key] as string) : undefined;

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** What a client in another process needs to link against this edge (`GET /edge`). */
export interface EdgeInfo {
  waWebSocketUrl: string;
  /** Hex; the client must trust it (`trustEmulatorRoot`). */
  rootPublicKey: string;
}

/** Routes `/edge` and `/phone/*`; anything else is a 404. */
export const handleControlRequest = async (
  phone: VirtualPhone,
  req: IncomingMessage,
  res: ServerResponse,
  edgeInfo?: () => EdgeInfo,
  logins?: () => LoginStats,
): Promise<void> => {
  const path = new URL(req.url ?? '/', 'http://emulator').pathname;
  try {
    if (req.method === 'GET' && path === '/edge' && edgeInfo) return send(res, 200, edgeInfo());
    if (req.method === 'GET' && path === '/phone/logins' && logins) return send(res, 200, logins());
    if (req.method === 'GET' && path === '/phone/devices') {
      const phoneNumber = new URL(req.url ?? '/', 'http://emulator').searchParams.get('phoneNumber') ?? undefined;
      return send(res, 200, { devices: phone.devices(phoneNumber) });
    }
    if (req.method !== 'POST') return send(res, 404, { error: 'Not found', code: 'NOT_FOUND' });
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) return send(res, 413, { error: 'Body too large', code: 'PAYLOAD_TOO_LARGE' });
      return send(res, 400, { error: 'Body must be JSON', code: 'BAD_REQUEST' });
    }
    const phoneNumber = str(body, 'phoneNumber');
    switch (path) {
      case '/phone/scan':
        return send(res, 200, { device: await phone.scanQr(str(body, 'qr') ?? '', phoneNumber) });
      case '/phone/enter-code':
        return send(res, 200, { device: await phone.enterCode(str(body, 'code') ?? '', phoneNumber) });
      case '/phone/send': {
        const to = str(body, 'to') ?? '';
        const text = str(body, 'text') ?? '';
        const from = str(body, 'from');
        if (!DIGITS.test(to) || (from !== undefined && !DIGITS.test(from)) || !text || text.length > MAX_TEXT) {
          return send(res, 400, { error: 'to (and from) must be 6 to 15 digits, text 1 to 4096 characters', code: 'BAD_REQUEST' });
        }
        return send(res, 200, { message: await phone.sendMessage(to, text, from) });
      }
      case '/phone/unlink':
        await phone.unlink(str(body, 'jid') ?? '');
        return send(res, 200, { ok: true });
      case '/phone/offline':
        phone.goOffline();
        return send(res, 200, { ok: true });
      case '/phone/online':
        phone.goOnline();
        return send(res, 200, { ok: true });
      case '/phone/reject-login':
        phone.rejectLogin(phoneNumber, typeof body.reason === 'number' ? body.reason : 401);
        return send(res, 200, { ok: true });
      case '/phone/accept-login':
        phone.acceptLogin(phoneNumber);
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: 'Not found', code: 'NOT_FOUND' });
    }
  } catch (error) {
    if (error instanceof PhoneError) {
      const status = error.code === 'UNKNOWN_DEVICE' || error.code === 'NOT_CONNECTED' ? 404 : error.code === 'COMPANION_LIMIT' ? 409 : 400;
      return send(res, status, { error: error.message, code: error.code });
    }
    throw error;
  }
};
