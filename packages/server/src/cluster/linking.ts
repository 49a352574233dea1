// `Linking` in cluster mode (TITAN_REDIS_URL): any instance serves any widget route. A widget
// action runs on the instance that owns the widget session's WhatsApp session (here, or over
// RPC), so its engine and its in-memory state machine stay the one source of truth; every
// stream, on every instance including the owner, reads the owner's events from the cluster bus,
// so ids are the same everywhere and a stream resumes on any instance.
import type { ConnectedPayload, FailedPayload, WidgetState } from '@titan-connect/protocol';
import type { Redis } from 'ioredis';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { LinkingService } from '../linking/service.js';
import type { Linking, SequencedEvent } from '../linking/types.js';
import type { CloudApiConnection } from '../meta/embedded-signup.js';
import { sessionKeyId, type SessionKey, type VirtualPhone } from '../whatsapp/engine.js';
import { EventBus } from './event-bus.js';
import type { ClusterKeys } from './keys.js';
import { ForwardingEngine, isEngineCall } from './engine.js';
import { onOwner, Rpc } from './rpc.js';
import type { Ownership } from './types.js';
import { ClusterVirtualPhone } from './virtual-phone.js';

/** Widget session → WhatsApp session, kept for this many widget sessions (a row read each otherwise). */
const KEY_CACHE_SIZE = 10_000;

export interface ClusterLinkingOptions {
  /** Shared command connection; the RPC and the bus open their own blocking/subscriber ones. */
  redis: Redis;
  keys: ClusterKeys;
  ownership: Ownership;
  rpcTimeoutMs?: number;
}

export class ClusterLinking implements Linking {
  /** The state machine of the widget sessions this instance owns. */
  readonly local: LinkingService;
  readonly bus: EventBus;
  readonly rpc: Rpc;
  /** The virtual phone reaching every instance's sessions (null when the engine has none). */
  readonly virtualPhone: ClusterVirtualPhone | null;
  /** The engine for routes and services (`createApp`'s `engine`): sends and logouts reach the owner. */
  readonly engine: ForwardingEngine;
  private readonly keys = new Map<string, SessionKey>();
  /** Starts in flight: a thousand tabs opening at once ask the owner once. */
  private readonly starting = new Map<string, Promise<void>>();
  private readonly stopWatching: () => void;
  /** Sessions this instance has resumed since it gained them (so a start and an adopt resume once). */
  private readonly resumed = new Set<string>();

  constructor(
    private readonly deps: AppDeps,
    private readonly options: ClusterLinkingOptions,
  ) {
    const { redis, keys, ownership } = options;
    this.bus = new EventBus({ redis, keys, clock: deps.clock, logger: deps.logger });
    this.local = new LinkingService(deps, this.bus);
    this.rpc = new Rpc({ redis, keys, instanceId: ownership.instanceId, logger: deps.logger, timeoutMs: options.rpcTimeoutMs, handler: (method, args) => this.serve(method, args) });
    const phone: VirtualPhone | null = deps.engine.virtualPhone;
    this.virtualPhone = phone ? new ClusterVirtualPhone(phone, ownership, this.rpc) : null;
    this.engine = new ForwardingEngine(deps.engine, ownership, this.rpc, this.virtualPhone);
    // Gains are the ownership loop's to resume (it calls `adopt`); a loss leaves no stale runtime
    // behind to number events from if the session comes back.
    this.stopWatching = ownership.onChange(({ key, owned }) => {
      if (owned) return;
      this.resumed.delete(sessionKeyId(key));
      this.local.forget(key);
    });
  }

  ensureStarted(widgetSessionId: string): Promise<void> {
    let start = this.starting.get(widgetSessionId);
    if (!start) {
      start = this.onOwnerOf(widgetSessionId, 'ensureStarted', [widgetSessionId], () => this.local.ensureStarted(widgetSessionId));
      start = start.finally(() => this.starting.delete(widgetSessionId));
      this.starting.set(widgetSessionId, start);
    }
    return start;
  }

  state(widgetSessionId: string): Promise<WidgetState> {
    return this.onOwnerOf(widgetSessionId, 'state', [widgetSessionId], () => this.local.state(widgetSessionId));
  }

  async subscribe(widgetSessionId: string, lastEventId: number | null, send: (event: SequencedEvent) => void, end: () => void = () => {}): Promise<() => void> {
    await this.keyOf(widgetSessionId);
    const current = () => this.onOwnerOf(widgetSessionId, 'current', [widgetSessionId], () => this.current(widgetSessionId));
    return this.bus.subscribe(widgetSessionId, lastEventId, send, end, current);
  }

  requestPairingCode(widgetSessionId: string, phoneNumber: string): Promise<void> {
    return this.onOwnerOf(widgetSessionId, 'requestPairingCode', [widgetSessionId, phoneNumber], () => this.local.requestPairingCode(widgetSessionId, phoneNumber));
  }

  restartQr(widgetSessionId: string): Promise<void> {
    return this.onOwnerOf(widgetSessionId, 'restartQr', [widgetSessionId], () => this.local.restartQr(widgetSessionId));
  }

  connectCloudApi(widgetSessionId: string, connection: CloudApiConnection): Promise<ConnectedPayload> {
    return this.onOwnerOf(widgetSessionId, 'connectCloudApi', [widgetSessionId, connection], () => this.local.connectCloudApi(widgetSessionId, connection));
  }

  fail(widgetSessionId: string, failure: FailedPayload): Promise<void> {
    return this.onOwnerOf(widgetSessionId, 'fail', [widgetSessionId, failure], () => this.local.fail(widgetSessionId, failure));
  }

  sessionDeleted(key: SessionKey): Promise<void> {
    return this.onOwner(key, 'sessionDeleted', [key], () => this.local.sessionDeleted(key));
  }

  /** At start: reconnect and resume what this instance owns; the owners of the rest do theirs. */
  resume(): Promise<void> {
    const { ownership } = this.options;
    return this.resumeWhere(async (key) => (await ownership.ownerOf(key)) === ownership.instanceId);
  }

  /**
   * This instance now runs `key` (the ownership loop took it over, or a test moved it): its linked
   * number reconnects from its stored creds and its widget sessions mid-link get a fresh QR cycle.
   */
  async adopt(key: SessionKey): Promise<void> {
    this.resumed.add(sessionKeyId(key));
    await this.local.adopt(key);
  }

  async close(): Promise<void> {
    this.stopWatching();
    await this.rpc.close();
    await this.local.close();
    await this.bus.close();
  }

  // --- internals --------------------------------------------------------------------------------

  /** `LinkingService.resume` for the sessions `test` picks, each once until this instance loses it. */
  private async resumeWhere(test: (key: SessionKey) => boolean | Promise<boolean>): Promise<void> {
    const decided = new Map<string, boolean>();
    await this.local.resume(async (key) => {
      const id = sessionKeyId(key);
      let yes = decided.get(id);
      if (yes === undefined) {
        yes = (await test(key)) && !this.resumed.has(id);
        decided.set(id, yes);
        if (yes) this.resumed.add(id);
      }
      return yes;
    });
  }

  /** The WhatsApp session a widget session links; 404 like the single-instance service. */
  private async keyOf(widgetSessionId: string): Promise<SessionKey> {
    const cached = this.keys.get(widgetSessionId);
    if (cached) return cached;
    const record = await this.deps.store.getWidgetSession(widgetSessionId);
    if (!record) throw new HttpError(404, 'NOT_FOUND', 'Unknown widget session.');
    const key = { tenantId: record.tenantId, name: record.sessionName };
    if (this.keys.size >= KEY_CACHE_SIZE) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(widgetSessionId, key);
    return key;
  }

  private async onOwnerOf<T>(widgetSessionId: string, method: string, args: unknown[], here: () => Promise<T>): Promise<T> {
    return this.onOwner(await this.keyOf(widgetSessionId), method, args, here);
  }

  private onOwner<T>(key: SessionKey, method: string, args: unknown[], here: () => Promise<T>): Promise<T> {
    return onOwner(this.options.ownership, this.rpc, key, method, args, here);
  }

  /** A call another instance forwarded: run it here if this instance still owns the session. */
  private async serve(method: string, args: unknown[]): Promise<unknown> {
    if (isEngineCall(method)) return this.engine.serve(method, args);
    if (method.startsWith('phone.')) {
      if (!this.virtualPhone) throw new HttpError(404, 'NOT_FOUND', 'This engine has no virtual phone.');
      return this.virtualPhone.serve(method, args);
    }
    const key = method === 'sessionDeleted' ? (args[0] as SessionKey) : await this.keyOf(args[0] as string);
    if ((await this.options.ownership.ownerOf(key)) !== this.options.ownership.instanceId) {
      throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'The WhatsApp session is moving to another instance; try again.', { 'Retry-After': '1' });
    }
    const [first, second] = args;
    const id = first as string;
    switch (method) {
      case 'ensureStarted':
        return this.local.ensureStarted(id);
      case 'state':
        return this.local.state(id);
      case 'current':
        return this.current(id);
      case 'requestPairingCode':
        return this.local.requestPairingCode(id, second as string);
      case 'restartQr':
        return this.local.restartQr(id);
      case 'connectCloudApi':
        return this.local.connectCloudApi(id, second as CloudApiConnection);
      case 'fail':
        return this.local.fail(id, second as FailedPayload);
      case 'sessionDeleted':
        return this.local.sessionDeleted(key);
      default:
        throw new HttpError(400, 'BAD_REQUEST', `Unknown cluster call "${method}".`);
    }
  }

  /** The owner's current state and the id it reflects, for a stream the bus has nothing for yet. */
  private async current(widgetSessionId: string): Promise<{ id: number; state: WidgetState }> {
    let first: SequencedEvent | null = null;
    const unsubscribe = await this.local.subscribe(widgetSessionId, null, (event) => void (first ??= event));
    unsubscribe();
    const state = first as SequencedEvent | null;
    if (!state || state.event !== 'state') throw new HttpError(500, 'INTERNAL_ERROR', 'The linking layer sent no state first.');
    return { id: state.id, state: state.data };
  }
}
