// Single mode (no TITAN_REDIS_URL): this instance owns every session, alone. Implements the same
// seams as cluster mode's ownership, so code written against `Ownership` (the bus, forwarding)
// and `GET /api/cluster` work unchanged: one instance, the sessions its engine runs, no leases.
import type { ClusterInfo } from '@titan-connect/protocol';
import type { Store } from '../store/types.js';
import type { LinkingEngine, SessionKey } from '../whatsapp/engine.js';
import type { ClusterInstance, ClusterStatusSource, Ownership } from './types.js';

export class SingleInstance implements Ownership, ClusterStatusSource {
  readonly instanceId: string;
  private readonly startedAt: number;

  constructor(private readonly o: { store: Store; engine: LinkingEngine; instanceId: string; clock: { now(): number } }) {
    this.instanceId = o.instanceId;
    this.startedAt = o.clock.now();
  }

  async ownerOf(_key: SessionKey): Promise<string> {
    return this.instanceId;
  }

  async instances(): Promise<ClusterInstance[]> {
    return [{ id: this.instanceId, startedAt: this.startedAt, seenAt: this.o.clock.now() }];
  }

  /** Ownership never changes hands here. */
  onChange(): () => void {
    return () => {};
  }

  async status(): Promise<ClusterInfo> {
    const { store, engine } = this.o;
    const live = [...(await store.listWaSessionsByStatus('CONNECTED')), ...(await store.listWaSessionsByStatus('CONNECTING'))];
    const sessions = live
      .filter((s) => engine.isRunning({ tenantId: s.tenantId, name: s.name }))
      .map((s) => ({ session: s.name, tenant: s.tenantId, leaseAgeMs: null, epoch: null }));
    const [me] = await this.instances();
    return { mode: 'single', instanceId: this.instanceId, instances: [{ id: me!.id, startedAt: new Date(me!.startedAt).toISOString(), seenAt: new Date(me!.seenAt).toISOString(), sessions }] };
  }
}
