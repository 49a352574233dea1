// The virtual phone in cluster mode. A scan or a typed code names no session, and only the
// instance whose engine shows that QR or code can tell which one it is (the simulator keeps them
// in memory; the emulated engine, even against a shared emulator, learns them from its own
// sessions' events). So a phone call this instance cannot place goes to the other instances, and
// the one running the session answers.
import { EngineError, HttpError } from '../errors.js';
import type { SessionKey, VirtualPhone } from '../whatsapp/engine.js';
import type { Rpc } from './rpc.js';
import type { Ownership } from './types.js';

/** Stale or unknown QR, wrong code: "not mine", so another instance may know it. */
const isUnknownHere = (error: unknown): boolean =>
  (error instanceof EngineError && error.code === 'BAD_REQUEST') || (error instanceof HttpError && error.status === 400);

export class ClusterVirtualPhone implements VirtualPhone {
  constructor(
    /** This instance's engine's phone; it answers the others' forwarded calls too. */
    readonly local: VirtualPhone,
    private readonly ownership: Ownership,
    private readonly rpc: Rpc,
  ) {}

  scan(qr: string, phoneNumber?: string): Promise<SessionKey> {
    return this.placed(() => this.local.scan(qr, phoneNumber), 'phone.scan', [qr, phoneNumber ?? null]);
  }

  enterCode(code: string): Promise<SessionKey> {
    return this.placed(() => this.local.enterCode(code), 'phone.enterCode', [code]);
  }

  /** A contact writes to the session's number: the owner's engine delivers it (the simulator has no shared phone). */
  async sendMessage(key: SessionKey, text: string, from?: string): Promise<string> {
    const owner = await this.ownership.ownerOf(key);
    if (owner === this.ownership.instanceId) return this.local.sendMessage(key, text, from);
    return (await this.rpc.call(owner, 'phone.sendMessage', [key, text, from ?? null])) as string;
  }

  /** Runs a call the RPC layer forwarded here: this engine's phone only, never onwards. */
  serve(method: string, args: unknown[]): Promise<SessionKey | string> {
    if (method === 'phone.sendMessage') return this.local.sendMessage(args[0] as SessionKey, args[1] as string, (args[2] as string | null) ?? undefined);
    if (method === 'phone.scan') return this.local.scan(args[0] as string, (args[1] as string | null) ?? undefined);
    return this.local.enterCode(args[0] as string);
  }

  private async placed(here: () => Promise<SessionKey>, method: string, args: unknown[]): Promise<SessionKey> {
    try {
      return await here();
    } catch (error) {
      if (!isUnknownHere(error)) throw error;
      const others = (await this.ownership.instances()).map((i) => i.id).filter((id) => id !== this.ownership.instanceId);
      const answers = await Promise.allSettled(others.map((id) => this.rpc.call(id, method, args)));
      const linked = answers.find((a) => a.status === 'fulfilled');
      if (linked) return (linked as PromiseFulfilledResult<unknown>).value as SessionKey;
      // The instance that knew the QR refused it for a reason of its own (a full phone: 409).
      const refusal = answers.find((a) => a.status === 'rejected' && !isUnknownHere(a.reason));
      throw refusal ? (refusal as PromiseRejectedResult).reason : error;
    }
  }
}
