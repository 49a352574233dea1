// Cluster mode's store: every auth-state write and linking change about a session this instance
// runs (or once ran) carries the lease epoch it holds, and the store refuses it when the lease has
// moved on (store/leases.ts); a write about a session it never ran is refused while another
// instance holds that session (a non-owner never overwrites the owner).
import type { AuthStateKey, LeaseFence, LinkChange, Store, StoredWidgetSession } from '../store/types.js';
import type { SessionKey } from '../whatsapp/engine.js';

export interface FenceSource {
  fenceFor(key: SessionKey): LeaseFence | null;
}

/** Widget session ids → their WhatsApp session, learned from reads; capped (ids are never reused). */
const MAX_REMEMBERED = 100_000;

export function fencedStore<S extends Store>(store: S, fences: FenceSource): S {
  const fenceOf = (key: AuthStateKey) => fences.fenceFor({ tenantId: key.tenantId, name: key.sessionName }) ?? undefined;
  // A linking change that only patches widget sessions names no WhatsApp session; the linking layer
  // always read those widget sessions first, so the wrapper knows them (synchronously: the store
  // must receive changes in call order).
  const widgetKeys = new Map<string, SessionKey>();
  const learn = <T extends StoredWidgetSession | null>(record: T): T => {
    if (record) {
      if (widgetKeys.size >= MAX_REMEMBERED) widgetKeys.delete(widgetKeys.keys().next().value!);
      widgetKeys.set(record.id, { tenantId: record.tenantId, name: record.sessionName });
    }
    return record;
  };
  const overrides: Partial<Store> = {
    writeCreds: (key, creds, fence) => store.writeCreds(key, creds, fence ?? fenceOf(key)),
    writeKeys: (key, entries, fence) => store.writeKeys(key, entries, fence ?? fenceOf(key)),
    deleteAuthState: (key, fence) => store.deleteAuthState(key, fence ?? fenceOf(key)),
    commitLinkChange(change: LinkChange, fence?: LeaseFence) {
      const key = change.waSession ? { tenantId: change.waSession.tenantId, name: change.waSession.name } : widgetKeys.get(change.widgetSessions?.[0]?.id ?? '');
      return store.commitLinkChange(change, fence ?? (key ? (fences.fenceFor(key) ?? undefined) : undefined));
    },
    getWidgetSession: async (id) => learn(await store.getWidgetSession(id)),
    listLiveWidgetSessions: async (now) => (await store.listLiveWidgetSessions(now)).map(learn),
    listWidgetSessionsFor: async (tenantId, name) => (await store.listWidgetSessionsFor(tenantId, name)).map(learn),
  };
  return new Proxy(store, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
