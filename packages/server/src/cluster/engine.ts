// The engine the routes and services see in cluster mode. Only the owner of a WhatsApp session
// has its socket, so a send, a logout or a stop asked of another instance is carried out by the
// owner (over the cluster RPC); events and `isRunning` stay this instance's own. The linking
// service keeps the local engine: it only ever drives sessions this instance owns.
import { HttpError } from '../errors.js';
import type { AdmissionState, ThreadState, EngineListener, LinkingEngine, SessionKey, StartOptions, VirtualPhone } from '../whatsapp/engine.js';
import { onOwner, type Rpc } from './rpc.js';
import type { Ownership } from './types.js';

/** The calls that go to the owner, and how the owner runs each on its own engine. */
const FORWARDED = {
  'engine.start': (engine: LinkingEngine, key: SessionKey, args: unknown[]) => engine.start(key, (args[0] as StartOptions | null) ?? undefined),
  'engine.requestPairingCode': (engine: LinkingEngine, key: SessionKey, args: unknown[]) => engine.requestPairingCode(key, args[0] as string),
  'engine.restartQr': (engine: LinkingEngine, key: SessionKey) => engine.restartQr(key),
  'engine.logout': (engine: LinkingEngine, key: SessionKey) => engine.logout(key),
  'engine.stop': (engine: LinkingEngine, key: SessionKey) => engine.stop(key),
  'engine.sendText': (engine: LinkingEngine, key: SessionKey, args: unknown[]) => engine.sendText(key, args[0] as string, args[1] as string),
} satisfies Record<string, (engine: LinkingEngine, key: SessionKey, args: unknown[]) => Promise<unknown>>;

type Forwarded = keyof typeof FORWARDED;
export const isEngineCall = (method: string): method is Forwarded => method in FORWARDED;

export class ForwardingEngine implements LinkingEngine {
  readonly kind: LinkingEngine['kind'];

  constructor(
    /** This instance's engine (leased in cluster mode). */
    readonly local: LinkingEngine,
    private readonly ownership: Ownership,
    private readonly rpc: Rpc,
    /** The cluster's virtual phone, reaching every instance's sessions. */
    readonly virtualPhone: VirtualPhone | null,
  ) {
    this.kind = local.kind;
  }

  get admissionState(): AdmissionState | null {
    return this.local.admissionState ?? null;
  }

  get threadState(): ThreadState | null {
    return this.local.threadState ?? null;
  }

  start(key: SessionKey, options?: StartOptions): Promise<void> {
    return this.onOwner('engine.start', key, [options ?? null]) as Promise<void>;
  }

  requestPairingCode(key: SessionKey, phoneNumber: string): Promise<void> {
    return this.onOwner('engine.requestPairingCode', key, [phoneNumber]) as Promise<void>;
  }

  restartQr(key: SessionKey): Promise<void> {
    return this.onOwner('engine.restartQr', key, []) as Promise<void>;
  }

  logout(key: SessionKey): Promise<void> {
    return this.onOwner('engine.logout', key, []) as Promise<void>;
  }

  stop(key: SessionKey): Promise<void> {
    return this.onOwner('engine.stop', key, []) as Promise<void>;
  }

  sendText(key: SessionKey, to: string, text: string): Promise<string> {
    return this.onOwner('engine.sendText', key, [to, text]) as Promise<string>;
  }

  /** Whether this instance runs it (the owner's socket is the only one). */
  isRunning(key: SessionKey): boolean {
    return this.local.isRunning(key);
  }

  /** This instance's sessions' events (the owner publishes widget events on the bus itself). */
  subscribe(listener: EngineListener): () => void {
    return this.local.subscribe(listener);
  }

  close(): Promise<void> {
    return this.local.close();
  }

  /** Runs a call another instance forwarded, if this instance still owns the session. */
  async serve(method: Forwarded, args: unknown[]): Promise<unknown> {
    const [key, ...rest] = args as [SessionKey, ...unknown[]];
    if ((await this.ownership.ownerOf(key)) !== this.ownership.instanceId) {
      throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'The WhatsApp session is moving to another instance; try again.', { 'Retry-After': '1' });
    }
    return FORWARDED[method](this.local, key, rest);
  }

  private onOwner(method: Forwarded, key: SessionKey, args: unknown[]): Promise<unknown> {
    return onOwner<unknown>(this.ownership, this.rpc, key, method, [key, ...args], () => FORWARDED[method](this.local, key, args));
  }
}
