import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { WIDGET_PATHS, isWidgetEventName, type WidgetEvent, type WidgetState } from '@titan-connect/protocol';
import { openEventStream, type EventStream } from '../api/sse-stream.js';
import { WidgetApi, parseWidgetUrl } from '../api/widget-api.js';
import type { Connection } from '../context.js';
import { applyWidgetEvent, type WidgetUpdate } from './session-state.js';

export interface SessionControllerOptions {
  /** The widget URL to follow (the attribute, or the hosted page's own address). */
  widgetUrl(): string | null;
  /** Called after each event is applied, so the host can fire DOM events. */
  onEvent(event: WidgetUpdate, previous: WidgetState | null): void;
  /** The token was refused (401/403), or its `expiresAt` passed. */
  onTokenRejected(): void;
}

/**
 * The widget session's live state. `hostConnected()` opens the event stream, `hostDisconnected()`
 * closes it; every event updates `state` and asks the host to render.
 */
export class SessionController implements ReactiveController {
  state: WidgetState | null = null;
  connection: Connection = 'connecting';
  tokenRejected = false;
  api: WidgetApi | null = null;
  private stream: EventStream | null = null;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private openedFor: string | null = null;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: SessionControllerOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.open();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.close();
  }

  /** Follows a changed `widget-url`: a new URL is a new widget session (also after a dead one). */
  sync(): void {
    if (this.connected && this.options.widgetUrl() !== this.openedFor) {
      this.close();
      this.state = null;
      this.tokenRejected = false;
      this.open();
    }
  }

  /** Treats the token as refused (401/403 from any call). */
  rejectToken(): void {
    if (this.tokenRejected) return;
    this.tokenRejected = true;
    this.close();
    this.connection = 'closed';
    this.options.onTokenRejected();
    this.host.requestUpdate();
  }

  /** Applies an event as if it came from the stream (also used for POST responses). */
  apply(event: WidgetUpdate): void {
    const previous = this.state;
    this.state = applyWidgetEvent(previous, event);
    if (event.event === 'state') this.scheduleExpiry(event.data.expiresAt);
    this.options.onEvent(event, previous);
    this.host.requestUpdate();
  }

  private open(): void {
    const widgetUrl = this.options.widgetUrl();
    this.openedFor = widgetUrl;
    const endpoint = widgetUrl ? parseWidgetUrl(widgetUrl, globalThis.location?.href) : null;
    if (!endpoint) {
      // No token at all is the same dead end for the user as a refused one.
      if (widgetUrl !== null) this.rejectToken();
      return;
    }
    this.api = new WidgetApi(endpoint);
    this.connection = 'connecting';
    this.stream = openEventStream({
      url: this.api.url(WIDGET_PATHS.events),
      headers: this.api.headers,
      onOpen: () => this.setConnection('open'),
      onDrop: () => this.setConnection('reconnecting'),
      onUnauthorized: () => this.rejectToken(),
      onMessage: ({ event, data }) => {
        if (!isWidgetEventName(event)) return;
        try {
          this.apply({ event, data: JSON.parse(data) } as WidgetEvent);
        } catch {
          // A malformed event is skipped; the next `state` snapshot corrects the view.
        }
      },
    });
  }

  private close(): void {
    this.stream?.close();
    this.stream = null;
    clearTimeout(this.expiryTimer);
  }

  private setConnection(connection: Connection): void {
    if (this.connection === connection) return;
    this.connection = connection;
    this.host.requestUpdate();
  }

  /** The token dies at `expiresAt` even if the stream is quiet, so show it then, not on the next click. */
  private scheduleExpiry(expiresAt: string): void {
    clearTimeout(this.expiryTimer);
    const ms = Date.parse(expiresAt) - Date.now();
    // setTimeout overflows past ~24.8 days; a widget token lives 15 minutes.
    if (Number.isFinite(ms) && ms < 2 ** 31 - 1) {
      this.expiryTimer = setTimeout(() => this.state?.connected || this.rejectToken(), Math.max(0, ms));
    }
  }
}
