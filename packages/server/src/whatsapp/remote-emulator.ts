// TITAN_EMULATOR_URL: the emulated engine against an emulator running as its own process
// (`packages/wa-emulator` main.ts), shared by instances and out of this event loop. The edge
// tells us its WebSocket URL and the root key to trust (`GET /edge`); the virtual phone is its
// HTTP phone API.
import { PhoneError } from '@titan-connect/wa-emulator';
import type { EdgeInfo, LinkedDevice, SentMessage } from '@titan-connect/wa-emulator';

/** The part of the emulator's phone the server drives (in process: `WaEmulator.phone`). */
export interface EmulatorPhone {
  scanQr(qr: string, phoneNumber?: string): Promise<LinkedDevice>;
  enterCode(code: string, phoneNumber?: string): Promise<LinkedDevice>;
  /** A contact `from` writes `text` to the number `to` (each of its connected devices). */
  sendMessage(to: string, text: string, from?: string): Promise<SentMessage>;
}

/** The phone API over HTTP; its refusals (`400/409 { code }`) come back as `PhoneError`s. */
export class HttpEmulatorPhone implements EmulatorPhone {
  constructor(private readonly baseUrl: string) {}

  async scanQr(qr: string, phoneNumber?: string): Promise<LinkedDevice> {
    return (await this.post<{ device: LinkedDevice }>('/phone/scan', { qr, phoneNumber }, 'device')).device;
  }

  async enterCode(code: string, phoneNumber?: string): Promise<LinkedDevice> {
    return (await this.post<{ device: LinkedDevice }>('/phone/enter-code', { code, phoneNumber }, 'device')).device;
  }

  async sendMessage(to: string, text: string, from?: string): Promise<SentMessage> {
    return (await this.post<{ message: SentMessage }>('/phone/send', { to, text, from }, 'message')).message;
  }

  /** POSTs `body`; the answer must carry `field`. */
  private async post<T extends object>(path: string, body: object, field: keyof T): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as Partial<T> & { code?: string; error?: string };
    if (res.ok && json[field]) return json as T;
    if (res.status >= 400 && res.status < 500 && json.code) {
      throw new PhoneError(json.code as PhoneError['code'], json.error ?? json.code);
    }
    throw new Error(`emulator ${path} answered ${res.status}`);
  }
}

/** Asks the emulator at `baseUrl` where its edge listens and which root key it signs with. */
export async function fetchEdgeInfo(baseUrl: string): Promise<EdgeInfo> {
  const res = await fetch(new URL('/edge', baseUrl));
  if (!res.ok) throw new Error(`TITAN_EMULATOR_URL: ${baseUrl}/edge answered ${res.status}`);
  const info = (await res.json()) as EdgeInfo;
  if (typeof info.waWebSocketUrl !== 'string' || !/^[0-9a-f]{64}$/.test(info.rootPublicKey)) {
    throw new Error(`TITAN_EMULATOR_URL: ${baseUrl}/edge is not an edge emulator`);
  }
  return info;
}
