// The small pieces of a Baileys socket's life that need no session: letting a closed socket go,
// bounding a wait, and reading a phone number out of a jid.
import { jidDecode } from 'baileys';
import type { BaileysSocket } from './session-socket.js';

export const timedOutError = (ms: number) =>
  Object.assign(new Error(`Timed out after ${ms} ms waiting for WhatsApp`), { output: { statusCode: 408 } });

/** Digits of the user part of a jid such as `5511912345678:12@s.whatsapp.net`. */
export const phoneOf = (jid: string | undefined): string | null => {
  const user = jidDecode(jid)?.user ?? jid?.match(/^\d+/)?.[0];
  return user && /^\d+$/.test(user) ? user : null;
};

/**
 * Drops what would keep a closed socket (and its auth state, keys and caches) reachable:
 * Baileys' event buffer arms a 30 s auto-flush timer whenever it buffers, and a socket that
 * ends while buffering leaves that timer behind. Flushing clears the timer; removing the
 * listeners cuts the socket's closures off from ours.
 */
export function releaseSocket(sock: BaileysSocket): void {
  const ev = sock.ev as Partial<{ flush(): boolean; removeAllListeners(event?: string): void }>;
  try {
    ev.flush?.();
  } catch {
    // a listener of a dead socket threw: nothing to keep
  }
  ev.removeAllListeners?.();
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
