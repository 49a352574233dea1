// The virtual phone: what a person holding the WhatsApp account would do, as method calls.
// The same calls are served over HTTP by `http.ts`.
import { PhoneError } from './edge.js';
import type { Edge, LinkedDevice } from './edge.js';
import { DEFAULT_CONTACT, type SentMessage } from './messaging.js';

export interface DeviceInfo {
  jid: string;
  lid: string;
  deviceId: number;
  linkedAt: string;
}

export class VirtualPhone {
  constructor(private readonly edge: Edge) {}

  /** Scans a QR shown by a companion; resolves once the device is linked (before its 515 restart). */
  scanQr(qr: string, phoneNumber?: string): Promise<LinkedDevice> {
    return this.edge.scanQr(qr, phoneNumber);
  }

  /** Types a pairing code (`ABCD-EFGH` or `ABCDEFGH`); rejects with `WRONG_CODE` if it does not match. */
  enterCode(code: string, phoneNumber?: string): Promise<LinkedDevice> {
    return this.edge.enterCode(code, phoneNumber);
  }

  /**
   * A contact (`from`, digits; a default contact when absent) writes `text` to the number `to`:
   * each connected device of `to` receives it Signal-encrypted. Rejects with `NOT_CONNECTED`
   * when none is connected.
   */
  async sendMessage(to: string, text: string, from = DEFAULT_CONTACT): Promise<SentMessage> {
    const account = this.edge.registry.accounts.get(to);
    const sent = account && (await this.edge.messaging.sendText(from, account, text));
    if (!sent || sent.devices.length === 0) throw new PhoneError('NOT_CONNECTED', `no device of ${to} is connected`);
    return sent;
  }

  /** "Log out" of a linked device from the phone's Linked devices screen. */
  unlink(jid: string): Promise<void> {
    return this.edge.unlink(jid);
  }

  devices(phoneNumber = this.edge.defaultPhoneNumber): DeviceInfo[] {
    const account = this.edge.registry.accounts.get(phoneNumber);
    return [...(account?.devices.values() ?? [])].map((d) => ({
      jid: d.jid,
      lid: d.lid,
      deviceId: d.id,
      linkedAt: new Date(d.linkedAt).toISOString(),
    }));
  }

  /** WhatsApp becomes unreachable: live connections drop, new ones are reset. */
  goOffline(): void {
    this.edge.offline = true;
    this.edge.dropAll();
  }

  goOnline(): void {
    this.edge.offline = false;
  }

  /** Logins to this account fail with `<failure reason=…/>` (401: logged out) until `acceptLogin`. */
  rejectLogin(phoneNumber = this.edge.defaultPhoneNumber, reason = 401): void {
    this.edge.registry.account(phoneNumber).rejectLoginReason = reason;
  }

  acceptLogin(phoneNumber = this.edge.defaultPhoneNumber): void {
    this.edge.registry.account(phoneNumber).rejectLoginReason = null;
  }
}
