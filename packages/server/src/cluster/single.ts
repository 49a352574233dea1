// `GET /api/cluster` in single mode (no TITAN_REDIS_URL): one instance, the sessions its engine
// runs, no leases.
import type { ClusterInfo } from '@titan-connect/protocol';
import type { Store } from '../store/types.js';
import type { LinkingEngine } from '../whatsapp/engine.js';
import type { ClusterStatusSource } from './types.js';

export class SingleInstanceStatus implements ClusterStatusSource {
  private readonly startedAt: number;

  constructor(
    private readonly o: { store: Store; engine: LinkingEngine; instanceId: string; clock: { now(): number } },
  ) {
    this.startedAt = o.clock.now();
  }

  async status(): Promise<ClusterInfo> {
    const { store, engine, instanceId, clock } = this.o;
    const live = [...(await store.listWaSessionsByStatus('CONNECTED')), ...(await store.listWaSessionsByStatus('CONNECTING'))];
    const sessions = live
      .filter((s) => engine.isRunning({ tenantId: s.tenantId, name: s.name }))
      .map((s) => ({ session: s.name, tenant: s.tenantId, leaseAgeMs: null, epoch: null }));
    const now = new Date(clock.now()).toISOString();
    return { mode: 'single', instanceId, instances: [{ id: instanceId, startedAt: new Date(this.startedAt).toISOString(), seenAt: now, sessions }] };
  }
}
