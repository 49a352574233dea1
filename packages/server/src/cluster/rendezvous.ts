// Which live instance runs a session nobody holds: rendezvous (highest random weight) hashing.
// Every instance computes the same answer from the same member list, with no coordination; when a
// member leaves only its own sessions move, each to the member that scores next for it, so the
// load of a dead instance spreads over all the others instead of falling on one.
import { createHash } from 'node:crypto';

/** The weight of `instanceId` for `sessionKey` (a sessionKeyId): the first 64 bits of a SHA-256. */
const weight = (instanceId: string, sessionKey: string): bigint =>
  createHash('sha256').update(instanceId).update('\u0000').update(sessionKey).digest().readBigUInt64BE(0);

/** The member with the highest weight for `sessionKey`; null when there is no member. */
export function rendezvousOwner(members: readonly string[], sessionKey: string): string | null {
  let best: string | null = null;
  let bestWeight = -1n;
  for (const id of members) {
    const w = weight(id, sessionKey);
    // Ties (never seen with 64 bits, but possible) go to the smaller id, so every instance agrees.
    if (w > bestWeight || (w === bestWeight && best !== null && id < best)) {
      best = id;
      bestWeight = w;
    }
  }
  return best;
}
