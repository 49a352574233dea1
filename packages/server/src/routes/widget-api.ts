// `/widget/api/*` (token auth, mounted by app.ts after `widgetTokenAuth`): the state snapshot,
// the SSE event stream, pairing codes and QR restarts of the token's own widget session.
import { Router, type Response } from 'express';
import { pairingCodeBody } from '../api-schemas.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { Linking, SequencedEvent } from '../linking/index.js';
import { trackSseStream } from '../metrics.js';
import { parseBody } from '../middleware/parse-body.js';
import { AbuseLimits } from '../services/abuse-limits.js';
import type { WidgetAuth } from '../services/widget-sessions.js';
import { formatSseFrame, openSse, type SseFrame } from '../sse.js';
import { normalisePhoneNumber } from './phone.js';
import { StreamLimits, type StreamLimitOptions } from './stream-limits.js';

export interface WidgetApiOptions {
  /** SSE heartbeat, ms (tests shorten it). */
  heartbeatMs?: number;
  /** Open event streams per widget session and per client address. */
  streams?: StreamLimitOptions;
}

const widgetOf = (res: Response): WidgetAuth => {
  const widget = res.locals.widget;
  if (!widget) throw new HttpError(401, 'MISSING_WIDGET_TOKEN', 'Missing widget token: use the full widgetUrl.');
  return widget;
};

/** `Last-Event-ID` (EventSource) or `?lastEventId=` (the first connection of a reloaded page). */
function lastEventIdOf(header: string | undefined, query: unknown): number | null {
  const raw = header ?? (typeof query === 'string' ? query : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/**
 * One framed buffer per event however many streams receive it: a broadcast to thousands of tabs
 * must not stringify a QR's SVG path, frame it and encode it thousands of times. Linking hands
 * every stream the same event object, so it keys the cache.
 */
const frames = new WeakMap<SequencedEvent, SseFrame>();
const frameOf = (event: SequencedEvent): SseFrame => {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = formatSseFrame({ event: event.event, id: event.id, data: JSON.stringify(event.data) });
    frames.set(event, frame);
  }
  return frame;
};

export function widgetApiRouter(deps: AppDeps, linking: Linking, options: WidgetApiOptions = {}): Router {
  const router = Router();
  const limits = new AbuseLimits(deps);
  const streamLimits = new StreamLimits(options.streams);

  router.get('/state', async (_req, res) => {
    const { widgetSession } = widgetOf(res);
    await linking.ensureStarted(widgetSession.id);
    res.set('Cache-Control', 'no-store').json({ success: true, data: await linking.state(widgetSession.id) });
  });

  router.get('/events', async (req, res) => {
    const { widgetSession } = widgetOf(res);
    const lastEventId = lastEventIdOf(req.get('last-event-id'), req.query.lastEventId);
    const release = streamLimits.reserve(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    let stream;
    try {
      await linking.ensureStarted(widgetSession.id);
      stream = openSse(req, res, { heartbeatMs: options.heartbeatMs });
    } catch (err) {
      release();
      throw err;
    }
    stream.onClose(release);
    trackSseStream(stream);
    streamLimits.attach(widgetSession.id, stream);
    // Closing the stream only unsubscribes: linking goes on for other tabs and the next visit.
    // Linking ends the stream when the widget session (and so its token) expires.
    const unsubscribe = await linking.subscribe(
      widgetSession.id,
      lastEventId,
      (event) => void stream.sendFrame(frameOf(event)),
      () => stream.close(),
    );
    stream.onClose(unsubscribe);
  });

  router.post('/pairing-code', parseBody(pairingCodeBody), async (req, res) => {
    const { widgetSession } = widgetOf(res);
    const phoneNumber = normalisePhoneNumber(req.body.phoneNumber, { fictional: deps.engine.virtualPhone !== null });
    if (!phoneNumber) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'phoneNumber: not a valid phone number; use the international format, e.g. +55 11 91234-5678.');
    }
    // Refused before counting: a request that could never send a code must not spend the
    // number's budget (the linking layer checks the same again).
    if (widgetSession.mode !== 'all' && widgetSession.mode !== 'pairing') {
      throw new HttpError(409, 'CONFLICT', 'This widget session does not offer linking with a pairing code.');
    }
    // Per widget session, per phone number and per session name, persisted (SECURITY.md).
    await limits.takePairingCode(widgetSession, phoneNumber);
    await linking.requestPairingCode(widgetSession.id, phoneNumber);
    // The simulator and baileys hand the code back before resolving; an engine that is slower
    // leaves data null and the code arrives as a `pairing_code` event.
    const { pairingCode } = await linking.state(widgetSession.id);
    res.json({ success: true, data: pairingCode?.phoneNumber === phoneNumber ? pairingCode : null });
  });

  router.post('/qr/restart', async (_req, res) => {
    const { widgetSession } = widgetOf(res);
    await linking.restartQr(widgetSession.id);
    res.json({ success: true, data: await linking.state(widgetSession.id) });
  });

  return router;
}
