// The linking layer: each widget session's state machine (idle → starting → qr | pairing →
// connected | failed | expired), fed by engine events, persisted, and fanned out to its streams.
import {
  type ConnectedPayload,
  type FailedPayload,
  type PairingCodePayload,
  type QrPayload,
  type WidgetState,
} from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { CloudApiConnection } from '../meta/embedded-signup.js';
import type { LinkChange, StoredWidgetSession, WaSessionPatch, WebhookEventDraft } from '../store/index.js';
import type { EngineEvent, SessionKey } from '../whatsapp/engine.js';
import { sessionKeyId as keyId } from '../whatsapp/engine.js';
import { LinkWrites } from './link-writes.js';
import { Runtime, type Send } from './runtime.js';
import { LINKING_PHASES, pairingCodePayload, qrPayload, restoredSnapshot, widgetState } from './snapshot.js';
import type { Linking, LinkingObserver } from './types.js';
import { linkedEvents, stoppedEvents } from './webhook-events.js';

type LinkCodes = { qr: QrPayload | null; pairingCode: PairingCodePayload | null };

export class LinkingService implements Linking {
  private readonly runtimes = new Map<string, Runtime>();
  /** Widget session ids per WhatsApp session: every one of them gets the engine's events. */
  private readonly byKey = new Map<string, Set<string>>();
  /** The engine's latest QR / pairing code per WhatsApp session, for widget sessions that join late. */
  private readonly current = new Map<string, LinkCodes>();
  /** Loads in flight, so two requests of one widget session share one runtime. */
  private readonly loading = new Map<string, Promise<Runtime>>();
  /** The store writes, for callers that answer only once theirs is in. */
  private readonly writes: LinkWrites;
  /**
   * WhatsApp sessions that showed a QR or pairing code in this process and have not connected or
   * stopped since: their `connected` is a fresh link (`session.connected`), not a reconnect.
   */
  private readonly freshLinks = new Set<string>();
  /**
   * Linked numbers (connected, or reconnecting after a restart): only these send
   * `session.disconnected` when the engine stops; a linking that fails is its widget sessions' news.
   */
  private readonly linked = new Set<string>();
  private readonly unsubscribeEngine: () => void;

  constructor(
    private readonly deps: AppDeps,
    /** Sees every event as streams do (cluster mode publishes them to the other instances). */
    private readonly observer: LinkingObserver | null = null,
  ) {
    this.writes = new LinkWrites(deps);
    this.unsubscribeEngine = deps.engine.subscribe((event) => this.onEngineEvent(event));
  }

  // --- Linking ----------------------------------------------------------------------------------

  async ensureStarted(widgetSessionId: string): Promise<void> {
    const rt = await this.load(widgetSessionId);
    if (rt.snapshot.phase !== 'idle' || rt.record.mode === 'cloud-api') return;
    await this.begin(rt);
  }

  /** idle (or resumed after a restart) → starting → whatever the engine reports next. */
  private async begin(rt: Runtime): Promise<void> {
    const wa = await this.deps.store.ensureWaSession(rt.key.tenantId, rt.key.name, this.now());
    if (wa.status === 'CONNECTED') {
      const connected = rt.connectedPayload(wa.method ?? 'qr', wa.phone, wa.pushName);
      rt.emit({ event: 'connected', data: connected }, { phase: 'connected', connected, status: 'CONNECTED', statusReason: null });
      return;
    }
    // Another widget session may already be linking this name: join its QR rather than wait.
    const current = this.current.get(keyId(rt.key));
    if (current?.qr && this.deps.engine.isRunning(rt.key)) {
      const phase = current.pairingCode ? 'pairing' : 'qr';
      rt.emitState({ phase, ...current, failure: null, expired: null, status: wa.status, statusReason: wa.statusReason });
      return;
    }
    this.setWaStatus(rt.key, { status: 'CONNECTING', statusReason: 'SCAN_QR' });
    rt.emitState({ phase: 'starting', qr: null, pairingCode: null, failure: null, expired: null, status: 'CONNECTING', statusReason: 'SCAN_QR' });
    await this.startEngine(rt);
  }

  async state(widgetSessionId: string): Promise<WidgetState> {
    const rt = await this.load(widgetSessionId);
    return widgetState(this.deps.config, rt.record, rt.snapshot);
  }

  async subscribe(widgetSessionId: string, lastEventId: number | null, send: Send, end: () => void = () => {}): Promise<() => void> {
    const rt = await this.load(widgetSessionId);
    const resume = rt.ring.resume(lastEventId, { id: rt.lastEventId, snapshot: rt.snapshot });
    send({ id: resume.id, event: 'state', data: widgetState(this.deps.config, rt.record, resume.snapshot) });
    for (const event of resume.events) send(event);
    // Expired already (load just expired it, or it ran out while we awaited): nothing more will
    // come, and a stream kept open here would be held by heartbeats alone.
    if (this.runtimes.get(widgetSessionId) !== rt) {
      end();
      return () => {};
    }
    rt.subscribers.set(send, end);
    return () => rt.subscribers.delete(send);
  }

  async requestPairingCode(widgetSessionId: string, phoneNumber: string): Promise<void> {
    const rt = await this.load(widgetSessionId);
    if (rt.record.mode !== 'all' && rt.record.mode !== 'pairing') {
      throw new HttpError(409, 'CONFLICT', 'This widget session does not offer linking with a pairing code.');
    }
    await this.ensureStarted(widgetSessionId);
    if (rt.snapshot.phase === 'connected') throw new HttpError(409, 'SESSION_ALREADY_CONNECTED', 'This number is already linked.');
    if (this.deps.engine.isRunning(rt.key)) await this.deps.engine.requestPairingCode(rt.key, phoneNumber);
    else await this.deps.engine.start(rt.key, { pairingPhoneNumber: phoneNumber });
  }

  async restartQr(widgetSessionId: string): Promise<void> {
    const rt = await this.load(widgetSessionId);
    const { phase, expired, failure } = rt.snapshot;
    const retryable = (phase === 'expired' && expired?.reason === 'QR_TIMEOUT') || (phase === 'failed' && failure?.retryable === true);
    if (!retryable) throw new HttpError(409, 'CONFLICT', 'A new QR code can only be requested after the last one timed out or failed.');
    if (rt.record.mode === 'cloud-api') {
      // No WhatsApp socket for a Cloud API widget: "try again" only clears the failure so the
      // panel can start a new Embedded Signup (a fresh code; the old one is spent).
      rt.emitState({ phase: 'idle', failure: null, expired: null });
      return;
    }
    this.setWaStatus(rt.key, { status: 'CONNECTING', statusReason: 'SCAN_QR' });
    rt.emitState({ phase: 'starting', failure: null, expired: null, qr: null, pairingCode: null, status: 'CONNECTING', statusReason: 'SCAN_QR' });
    if (this.deps.engine.isRunning(rt.key)) await this.deps.engine.restartQr(rt.key);
    else await this.startEngine(rt);
  }

  async connectCloudApi(widgetSessionId: string, connection: CloudApiConnection): Promise<ConnectedPayload> {
    const rt = await this.load(widgetSessionId);
    await this.deps.store.ensureWaSession(rt.key.tenantId, rt.key.name, this.now());
    this.setWaStatus(
      rt.key,
      { status: 'CONNECTED', statusReason: null, method: 'cloud-api', phone: connection.phone, pushName: connection.pushName, cloudApi: connection.stored },
      linkedEvents(this.now(), rt.key, { method: 'cloud-api', phone: connection.phone, pushName: connection.pushName }, true),
    );
    this.freshLinks.delete(keyId(rt.key));
    this.linked.add(keyId(rt.key));
    // A QR cycle may still run in `all` mode; the number is linked another way now.
    if (this.deps.engine.isRunning(rt.key)) void this.deps.engine.stop(rt.key);
    this.current.delete(keyId(rt.key));
    let payload: ConnectedPayload | null = null;
    for (const other of this.runtimesOf(rt.key)) {
      const connected: ConnectedPayload = {
        ...other.connectedPayload('cloud-api', connection.phone, connection.pushName),
        wabaId: connection.wabaId,
        phoneNumberId: connection.phoneNumberId,
      };
      if (other === rt) payload = connected;
      other.emit({ event: 'connected', data: connected }, {
        phase: 'connected', connected, status: 'CONNECTED', statusReason: null, qr: null, pairingCode: null, failure: null,
      });
    }
    await this.writes.settled(rt.key);
    return payload!;
  }

  async fail(widgetSessionId: string, failure: FailedPayload): Promise<void> {
    const rt = await this.load(widgetSessionId);
    rt.emit({ event: 'failed', data: failure }, { phase: 'failed', failure });
  }

  async sessionDeleted(key: SessionKey): Promise<void> {
    this.current.delete(keyId(key));
    this.freshLinks.delete(keyId(key));
    this.linked.delete(keyId(key));
    this.writes.commit(key, { webhookEvents: stoppedEvents(this.now(), key, 'MANUAL_STOP', true) });
    const failure: FailedPayload = { code: 'SESSION_DELETED', message: 'The session was deleted.', retryable: false };
    for (const rt of this.runtimesOf(key)) {
      if (rt.snapshot.phase !== 'failed' && rt.snapshot.phase !== 'expired') {
        rt.emit({ event: 'failed', data: failure }, {
          phase: 'failed', failure, status: 'DISCONNECTED', statusReason: 'MANUAL_STOP', qr: null, pairingCode: null, connected: null,
        });
      }
    }
    await this.writes.settled(key);
  }

  /**
   * This instance no longer runs `key` (cluster hand-over or failover): drop its widget sessions'
   * runtimes, so that if it runs `key` again it loads them afresh (state and ids as the other
   * owner left them) instead of numbering on from stale ones.
   */
  forget(key: SessionKey): void {
    this.current.delete(keyId(key));
    for (const rt of this.runtimesOf(key)) {
      rt.cancelExpiry();
      this.runtimes.delete(rt.record.id);
      rt.endStreams();
    }
    this.byKey.delete(keyId(key));
  }

  /** `owns`: in cluster mode only the sessions this instance runs (default: all of them). */
  async resume(owns: (key: SessionKey) => boolean | Promise<boolean> = () => true): Promise<void> {
    const { store, engine } = this.deps;
    const candidates = [
      ...(await store.listWaSessionsByStatus('CONNECTED')),
      ...(await store.listWaSessionsByStatus('CONNECTING')).filter((s) => s.statusReason === 'AUTO_RECONNECT'),
    ].filter((s) => s.method !== 'cloud-api');
    for (const wa of candidates) {
      if (await owns({ tenantId: wa.tenantId, name: wa.name })) await this.reconnect(wa.tenantId, wa.name);
    }
    for (const record of await store.listLiveWidgetSessions(this.now())) {
      if (await owns({ tenantId: record.tenantId, name: record.sessionName })) await this.resumeLinking(record);
    }
    // Linking that nobody resumed (its widget sessions ran out while the server was down) ended.
    for (const wa of await store.listWaSessionsByStatus('CONNECTING')) {
      const key = { tenantId: wa.tenantId, name: wa.name };
      if (engine.isRunning(key) || !(await owns(key))) continue;
      this.setWaStatus(key, { status: 'DISCONNECTED', statusReason: wa.statusReason === 'AUTO_RECONNECT' ? 'FAILED' : 'QR_TIMEOUT' });
    }
    await this.writes.all();
  }

  async adopt(key: SessionKey): Promise<void> {
    const wa = await this.deps.store.getWaSession(key.tenantId, key.name);
    if (!wa || wa.method === 'cloud-api') return;
    if (wa.status === 'CONNECTED' || wa.statusReason === 'AUTO_RECONNECT') return this.reconnect(key.tenantId, key.name);
    const live = (await this.deps.store.listWidgetSessionsFor(key.tenantId, key.name)).filter((r) => r.expiresAt > this.now());
    for (const record of live.reverse()) await this.resumeLinking(record);
    // Mid-link when its owner went, and no widget is left to finish it: it ended (as in `resume`).
    if (wa.status === 'CONNECTING' && !this.deps.engine.isRunning(key)) this.setWaStatus(key, { status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT' });
    await this.writes.settled(key);
  }

  /** A linked session reconnects from its stored creds (none: nothing to reconnect). */
  private async reconnect(tenantId: string, name: string): Promise<void> {
    if (!(await this.deps.store.hasAuthState({ tenantId, sessionName: name }))) return;
    // A linked number: if it stops for good now, that is session.disconnected news.
    this.linked.add(keyId({ tenantId, name }));
    await this.deps.engine.start({ tenantId, name }).catch((err: unknown) => {
      this.deps.logger.error({ err, session: name }, 'could not reconnect a linked session');
    });
  }

  /** A widget session that was mid-link: the old QR or pairing code died with the old socket (load dropped them), so a fresh QR cycle. */
  private async resumeLinking(record: StoredWidgetSession): Promise<void> {
    if (record.mode === 'cloud-api' || !LINKING_PHASES.has(record.phase)) return;
    const rt = await this.load(record.id);
    if (LINKING_PHASES.has(rt.snapshot.phase)) await this.begin(rt);
  }

  async close(): Promise<void> {
    this.unsubscribeEngine();
    await this.writes.all();
    for (const rt of this.runtimes.values()) {
      rt.cancelExpiry();
      rt.endStreams();
    }
    this.runtimes.clear();
    this.byKey.clear();
  }

  // --- engine events ----------------------------------------------------------------------------

  private onEngineEvent(event: EngineEvent): void {
    const { key } = event;
    switch (event.type) {
      case 'qr': {
        const qr = qrPayload(event);
        const cache = this.currentOf(key);
        cache.qr = qr;
        this.freshLinks.add(keyId(key));
        // Later QRs of the cycle change nothing in the row; skipping the write halves the I/O.
        if (!cache.pairingCode && event.attempt === 1) this.setWaStatus(key, { status: 'CONNECTING', statusReason: 'SCAN_QR' });
        for (const rt of this.runtimesOf(key)) {
          // A pending pairing code keeps the widget on its code; the QR still refreshes underneath.
          const phase = rt.snapshot.phase === 'pairing' ? 'pairing' : 'qr';
          rt.emit({ event: 'qr', data: qr }, { phase, qr, failure: null, expired: null, status: 'CONNECTING', statusReason: cache.pairingCode ? 'PAIRING_CODE' : 'SCAN_QR' });
        }
        return;
      }
      case 'pairing_code': {
        const pairingCode = pairingCodePayload(event);
        this.currentOf(key).pairingCode = pairingCode;
        this.freshLinks.add(keyId(key));
        this.setWaStatus(key, { status: 'CONNECTING', statusReason: 'PAIRING_CODE' });
        for (const rt of this.runtimesOf(key)) {
          rt.emit({ event: 'pairing_code', data: pairingCode }, {
            phase: 'pairing', pairingCode, failure: null, expired: null, status: 'CONNECTING', statusReason: 'PAIRING_CODE',
          });
        }
        return;
      }
      case 'connected': {
        this.current.delete(keyId(key));
        // A reconnect (automatic, or after a restart) is no news to the integrator; a new link is.
        const fresh = this.freshLinks.delete(keyId(key));
        this.linked.add(keyId(key));
        const linked = linkedEvents(this.now(), key, event, fresh);
        this.setWaStatus(key, { status: 'CONNECTED', statusReason: null, method: event.method, phone: event.phone, pushName: event.pushName }, linked);
        for (const rt of this.runtimesOf(key)) {
          const connected = rt.connectedPayload(event.method, event.phone, event.pushName);
          rt.emit({ event: 'connected', data: connected }, {
            phase: 'connected', connected, qr: null, pairingCode: null, failure: null, expired: null, status: 'CONNECTED', statusReason: null,
          });
        }
        return;
      }
      case 'qr_timeout': {
        this.current.delete(keyId(key));
        this.setWaStatus(key, { status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT' });
        for (const rt of this.runtimesOf(key)) {
          if (!LINKING_PHASES.has(rt.snapshot.phase)) continue;
          rt.emit({ event: 'expired', data: { reason: 'QR_TIMEOUT' } }, {
            phase: 'expired', expired: { reason: 'QR_TIMEOUT' }, qr: null, pairingCode: null, status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT',
          });
        }
        return;
      }
      case 'disconnected': {
        if (event.reconnecting) {
          this.setWaStatus(key, { status: 'CONNECTING', statusReason: 'AUTO_RECONNECT' });
          for (const rt of this.runtimesOf(key)) rt.emitState({ status: 'CONNECTING', statusReason: 'AUTO_RECONNECT' });
          return;
        }
        this.current.delete(keyId(key));
        // Stopped for good. A linking that failed is told by its widget sessions' own events.
        this.freshLinks.delete(keyId(key));
        const wasLinked = this.linked.delete(keyId(key));
        const stopped = stoppedEvents(this.now(), key, event.reason, wasLinked);
        this.setWaStatus(key, { status: 'DISCONNECTED', statusReason: event.reason }, stopped);
        const failure: FailedPayload = { code: event.code, message: event.message, retryable: event.retryable };
        for (const rt of this.runtimesOf(key)) {
          rt.emit({ event: 'failed', data: failure }, {
            phase: 'failed', failure, qr: null, pairingCode: null, status: 'DISCONNECTED', statusReason: event.reason,
          });
        }
        return;
      }
    }
  }

  /** The engine's latest QR and pairing code for `key`; null when none is cached (linked, ended, or never shown). */
  linkCodesOf(key: SessionKey): LinkCodes | null {
    return this.current.get(keyId(key)) ?? null;
  }

  // --- internals --------------------------------------------------------------------------------

  /** Only qr and pairing_code create the entry: a linked number's messages must not bring it back. */
  private currentOf(key: SessionKey): LinkCodes {
    let cache = this.current.get(keyId(key));
    if (!cache) this.current.set(keyId(key), (cache = { qr: null, pairingCode: null }));
    return cache;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /** The widget session in memory, loaded from the store on first use; 404 when unknown. */
  private async load(widgetSessionId: string): Promise<Runtime> {
    let rt = this.runtimes.get(widgetSessionId);
    if (!rt) {
      let loading = this.loading.get(widgetSessionId);
      if (!loading) {
        loading = this.loadFromStore(widgetSessionId).finally(() => this.loading.delete(widgetSessionId));
        this.loading.set(widgetSessionId, loading);
      }
      rt = await loading;
    }
    if (this.now() >= rt.record.expiresAt) this.expire(rt);
    return rt;
  }

  private async loadFromStore(widgetSessionId: string): Promise<Runtime> {
    const record = await this.deps.store.getWidgetSession(widgetSessionId);
    if (!record) throw new HttpError(404, 'NOT_FOUND', 'Unknown widget session.');
    const key = { tenantId: record.tenantId, name: record.sessionName };
    const wa = await this.deps.store.getWaSession(key.tenantId, key.name);
    const snapshot = restoredSnapshot(record, wa, this.current.get(keyId(key)) ?? null);
    // Another instance may have sent events it had not stored yet when it died: number on after them.
    const lastEventId = Math.max(record.lastEventId, (await this.observer?.lastPublishedId?.(widgetSessionId)) ?? 0);
    const rt = new Runtime(record, snapshot, lastEventId, this.deps, this.writes, this.observer);
    this.runtimes.set(widgetSessionId, rt);
    const ids = this.byKey.get(keyId(key)) ?? new Set<string>();
    ids.add(widgetSessionId);
    this.byKey.set(keyId(key), ids);
    rt.scheduleExpiry(this.now(), () => this.expire(rt));
    return rt;
  }

  private runtimesOf(key: SessionKey): Runtime[] {
    return [...(this.byKey.get(keyId(key)) ?? [])].flatMap((id) => this.runtimes.get(id) ?? []);
  }


  /** The widget session's 900 s ran out: tell its streams, stop linking nobody else waits for, forget it. */
  private expire(rt: Runtime): void {
    rt.cancelExpiry();
    if (LINKING_PHASES.has(rt.snapshot.phase) || rt.snapshot.phase === 'idle') {
      rt.emit({ event: 'expired', data: { reason: 'TOKEN_EXPIRED' } }, { phase: 'expired', expired: { reason: 'TOKEN_EXPIRED' }, qr: null, pairingCode: null });
      const othersLinking = this.runtimesOf(rt.key).some((o) => o !== rt && LINKING_PHASES.has(o.snapshot.phase) && this.now() < o.record.expiresAt);
      // The runtime holds the session's status as the server last decided it.
      if (!othersLinking && rt.snapshot.status !== 'CONNECTED') {
        void this.deps.engine.stop(rt.key);
        this.current.delete(keyId(rt.key));
        this.setWaStatus(rt.key, { status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT' });
      }
    }
    this.observer?.ended(rt.record.id, rt.lastEventId);
    this.runtimes.delete(rt.record.id);
    this.byKey.get(keyId(rt.key))?.delete(rt.record.id);
    // The token died with it, so its streams end too (the `expired` event above went out first):
    // otherwise heartbeats would keep a leaked widget URL's sockets open forever.
    rt.endStreams();
  }

  private async startEngine(rt: Runtime): Promise<void> {
    try {
      await this.deps.engine.start(rt.key);
    } catch (err) {
      this.deps.logger.error({ err, session: rt.key.name }, 'linking engine failed to start');
      const failure: FailedPayload = { code: 'LINKING_FAILED', message: 'Could not start linking; try again.', retryable: true };
      this.setWaStatus(rt.key, { status: 'DISCONNECTED', statusReason: 'FAILED' });
      rt.emit({ event: 'failed', data: failure }, { phase: 'failed', failure, status: 'DISCONNECTED', statusReason: 'FAILED' });
    }
  }

  private setWaStatus(key: SessionKey, patch: WaSessionPatch, webhookEvents: WebhookEventDraft[] = []): void {
    const change: LinkChange = { waSession: { tenantId: key.tenantId, name: key.name, patch: { ...patch, updatedAt: this.now() } } };
    if (webhookEvents.length > 0) change.webhookEvents = webhookEvents;
    this.writes.commit(key, change);
  }
}
