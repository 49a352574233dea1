// WhatsApp sessions (the names a backend sends through): read, delete, send. Picks the linking
// engine or Meta's Graph API by how the number was linked; routes never need to know which.
import type { WhatsAppSessionInfo } from '@titan-connect/protocol';
import { SESSION_NAME_PATTERN } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { Linking } from '../linking/index.js';
import { sendCloudApiText } from '../meta/messages.js';
import { type Page, type PageRequest, paginate } from '../pagination.js';
import type { WaSessionRecord } from '../store/types.js';
import type { SessionKey } from '../whatsapp/engine.js';

/** Fixed-width time first, so string order is creation order; the name breaks ties. */
const sessionSortKey = (s: WaSessionRecord): string => `${String(s.createdAt).padStart(15, '0')}:${s.name}`;

export const sessionInfo = (s: WaSessionRecord): WhatsAppSessionInfo => ({
  name: s.name,
  status: s.status,
  statusReason: s.statusReason,
  method: s.method,
  phone: s.phone,
  pushName: s.pushName,
  createdAt: new Date(s.createdAt).toISOString(),
  updatedAt: new Date(s.updatedAt).toISOString(),
});

export class Sessions {
  constructor(
    private readonly deps: AppDeps,
    private readonly linking: Linking,
  ) {}

  /** One page of the tenant's sessions, oldest first (creation time, then name). */
  async list(tenantId: string, page: PageRequest): Promise<Page<WhatsAppSessionInfo>> {
    const { items, nextCursor } = paginate(await this.deps.store.listWaSessions(tenantId), sessionSortKey, page);
    return { items: items.map(sessionInfo), nextCursor };
  }

  async get(key: SessionKey): Promise<WhatsAppSessionInfo> {
    return sessionInfo(await this.require(key));
  }

  /** Logs the device out (Cloud API numbers have none), deletes the row and its credentials. */
  async delete(key: SessionKey): Promise<void> {
    const session = await this.require(key);
    if (session.method !== 'cloud-api') await this.deps.engine.logout(key);
    await this.deps.store.deleteWaSession(key.tenantId, key.name);
    await this.linking.sessionDeleted(key);
  }

  /** Sends a text; `to` is digits only. Resolves to the message id. */
  async sendText(key: SessionKey, to: string, text: string): Promise<string> {
    const session = await this.require(key);
    if (session.status !== 'CONNECTED') throw new HttpError(409, 'SESSION_NOT_CONNECTED', `Session "${key.name}" is not connected.`);
    // Cloud API numbers send through Meta's Graph API, not a WhatsApp Web socket.
    if (session.method === 'cloud-api') return sendCloudApiText(this.deps, session, to, text);
    return this.deps.engine.sendText(key, to, text);
  }

  /** The tenant's session; 404 for a name that cannot exist or does not. */
  private async require(key: SessionKey): Promise<WaSessionRecord> {
    const session = SESSION_NAME_PATTERN.test(key.name) ? await this.deps.store.getWaSession(key.tenantId, key.name) : null;
    if (!session) throw new HttpError(404, 'NOT_FOUND', `No session named "${key.name}".`);
    return session;
  }
}
