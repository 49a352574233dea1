// One widget session held in memory while it lives: its snapshot, its event numbering and resume
// ring, and its streams. The service (service.ts) decides what happens to it; the runtime applies
// each change, persists it, keeps it for resume and sends it to every stream.
import { WIDGET_TOKEN_TTL_SECONDS, type ConnectedPayload, type LinkStatus } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import type { LinkChange, StoredWidgetSession, WebhookEventDraft } from '../store/index.js';
import type { SessionKey } from '../whatsapp/engine.js';
import { EventRing } from './event-ring.js';
import type { LinkWrites } from './link-writes.js';
import { methodsFor, redirectUrl, widgetState, type LinkSnapshot } from './snapshot.js';
import type { LinkingObserver, SequencedEvent, UnstampedEvent } from './types.js';
import { widgetSessionEvents } from './webhook-events.js';

export type Send = (event: SequencedEvent) => void;

export class Runtime {
  readonly key: SessionKey;
  readonly ring: EventRing;
  /** Each stream's `send`, and how to end that stream when the widget session expires. */
  readonly subscribers = new Map<Send, () => void>();
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly record: StoredWidgetSession,
    public snapshot: LinkSnapshot,
    public lastEventId: number,
    private readonly deps: Pick<AppDeps, 'config' | 'clock' | 'logger'>,
    private readonly writes: LinkWrites,
    private readonly observer: LinkingObserver | null,
  ) {
    this.key = { tenantId: record.tenantId, name: record.sessionName };
    this.ring = new EventRing(lastEventId, snapshot);
  }

  /** Calls `onExpire` when the widget session's lifetime ends. */
  scheduleExpiry(now: number, onExpire: () => void): void {
    // Capped so a wrong clock can never overflow setTimeout's 32-bit delay.
    const delay = Math.min(Math.max(0, this.record.expiresAt - now), WIDGET_TOKEN_TTL_SECONDS * 2000);
    this.expiryTimer = setTimeout(onExpire, delay);
    this.expiryTimer.unref();
  }

  cancelExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  connectedPayload(method: ConnectedPayload['method'], phone: string | null, pushName: string | null): ConnectedPayload {
    return { session: this.key.name, method, phone, pushName, redirectUrl: redirectUrl(this.record.callbackUrl, this.key.name, method, this.record.id) };
  }

  /** A change with no event of its own goes out as a `state` event. */
  emitState(patch: Partial<LinkSnapshot>): void {
    const snapshot = { ...this.snapshot, ...patch };
    this.emit({ event: 'state', data: widgetState(this.deps.config, this.record, snapshot) }, patch);
  }

  /** Applies `patch`, numbers the event, persists both, keeps it for resume and sends it to every stream. */
  emit(event: UnstampedEvent, patch: Partial<LinkSnapshot>): void {
    const from = this.snapshot.phase;
    this.snapshot = { ...this.snapshot, ...patch };
    if (patch.phase === 'connected' && !this.snapshot.completedAt) this.snapshot.completedAt = this.deps.clock.now();
    this.lastEventId++;
    const { phase, status, statusReason } = this.snapshot;
    const state: LinkStatus = { phase, status, statusReason, methods: methodsFor(this.deps.config, this.record) };
    const data = event.event === 'state' ? event.data : { ...event.data, state };
    const sequenced = { event: event.event, data, id: this.lastEventId } as SequencedEvent;
    this.persist(widgetSessionEvents(this.record, this.snapshot, from, this.deps.clock.now()));
    this.ring.push(sequenced, this.snapshot);
    this.observer?.event(this.record.id, sequenced, widgetState(this.deps.config, this.record, this.snapshot));
    for (const send of this.subscribers.keys()) {
      try {
        send(sequenced);
      } catch (err) {
        this.deps.logger.warn({ err }, 'a widget event stream threw; dropping it');
        this.subscribers.delete(send);
      }
    }
  }

  endStreams(): void {
    const ends = [...this.subscribers.values()];
    this.subscribers.clear();
    for (const end of ends) {
      try {
        end();
      } catch (err) {
        this.deps.logger.warn({ err }, 'a widget event stream threw while closing');
      }
    }
  }

  private persist(webhookEvents: WebhookEventDraft[]): void {
    // The QR and pairing code are not kept: they die with the socket, so after a restart they are
    // useless, and a 13 kB SVG path per rotation would make SQLite's WAL (and its checkpoints)
    // the bottleneck of many sessions linking at once. Status lives in the WhatsApp session row.
    const { phase, status: _status, statusReason: _reason, qr: _qr, pairingCode: _code, ...rest } = this.snapshot;
    const change: LinkChange = { widgetSessions: [{ id: this.record.id, patch: { phase, linkState: JSON.stringify(rest), lastEventId: this.lastEventId } }] };
    if (webhookEvents.length > 0) change.webhookEvents = webhookEvents;
    this.writes.commit(this.key, change);
  }
}
