// Cluster mode's seams (TITAN_REDIS_URL): who owns a WhatsApp session, and how instances talk.
// ownership.ts (leases with a fencing epoch) implements `Ownership`; linking.ts (forwarding and
// the event bus) uses it.
import type { ClusterInfo } from '@titan-connect/protocol';
import type { SessionKey } from '../whatsapp/engine.js';

export interface ClusterInstance {
  id: string;
  /** When it last renewed its membership (ms since epoch). */
  seenAt: number;
  startedAt: number;
}

export interface Ownership {
  /** This instance's id (`TITAN_INSTANCE_ID`, default hostname-pid). */
  readonly instanceId: string;
  /**
   * The instance that runs `key`: the holder of its unexpired lease, else the live instance the
   * spread picks for it (rendezvous hashing over live members), so every instance answers the same.
   */
  ownerOf(key: SessionKey): Promise<string>;
  /** Live instances, for forwarding and `GET /api/cluster`. */
  instances(): Promise<ClusterInstance[]>;
  /** Calls `listener` when this instance gains or loses a session (failover, hand-over). */
  onChange(listener: (change: { key: SessionKey; owned: boolean }) => void): () => void;
}

/** What `GET /api/cluster` shows; cluster mode's ownership and single mode each provide one. */
export interface ClusterStatusSource {
  status(): Promise<ClusterInfo>;
}
