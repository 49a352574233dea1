// `POST /api/widget/sessions` (scope `sessions:manage`): the backend asks for a widget session
// and gets the URL to show its user. Linking does not start here (see DESIGN.md): only when the
// widget first asks, because a QR cycle lasts ~160 s and users open the widget minutes later.
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import {
  type CreateWidgetSessionResponse,
  SESSION_NAME_PATTERN,
  WIDGET_MODES,
  WIDGET_PATHS,
  type WidgetMode,
} from '@titan-connect/protocol';
import { randomBase62 } from '../api-keys.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { requireScope } from '../middleware/api-auth.js';
import { parseBody } from '../middleware/parse-body.js';
import { SecretBox } from '../secrets.js';
import type { StoredMetaApp, WidgetSessionRecord } from '../store/types.js';
import { signWidgetToken } from '../tokens.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const parseUrl = (text: string): URL | null => {
  try {
    return new URL(text);
  } catch {
    return null;
  }
};

/** https anywhere; http only on the developer's own machine. Never `javascript:` or relative. */
const isCallbackUrl = (text: string): boolean => {
  const url = parseUrl(text);
  if (!url || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
};

/** An origin exactly as browsers send it: scheme, host and port, no path, no trailing slash. */
const isOrigin = (text: string): boolean => {
  const url = parseUrl(text);
  return !!url && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
};

const canonicalLocale = (text: string): string | null => {
  try {
    return Intl.getCanonicalLocales(text)[0] ?? null;
  } catch {
    return null;
  }
};

const metaIdField = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id of letters, digits, - or _');

export const createWidgetSessionBody = z.strictObject({
  mode: z.enum(WIDGET_MODES, { error: `must be one of ${WIDGET_MODES.join(', ')}` }).optional(),
  sessionName: z
    .string()
    .regex(SESSION_NAME_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
    .optional(),
  callbackUrl: z
    .string()
    .max(2048)
    .refine(isCallbackUrl, 'must be an absolute https URL (http only for localhost)')
    .optional(),
  allowedOrigins: z
    .array(z.string().max(255).refine(isOrigin, 'must be an origin like https://app.example.com (no path)'))
    .max(20)
    .optional(),
  metaApp: z
    .strictObject({ appId: metaIdField, configId: metaIdField, appSecret: z.string().min(1).max(256).optional() })
    .optional(),
  locale: z
    .string()
    .max(35)
    .refine((text) => canonicalLocale(text) !== null, 'must be a BCP 47 language tag like pt-BR')
    .optional(),
});
export type CreateWidgetSessionBody = z.infer<typeof createWidgetSessionBody>;

/** `widget-<base36 time>-<4 random>`: sortable by creation and unlikely to collide. */
export const defaultSessionName = (nowMs: number): string => `widget-${nowMs.toString(36)}-${randomBase62(4).toLowerCase()}`;

export interface CreatedWidgetSession {
  widgetSession: WidgetSessionRecord;
  /** The name was made by the server (no `sessionName` in the body). */
  generatedName: boolean;
  response: CreateWidgetSessionResponse;
}

/** Makes the name of a session created without `sessionName` (a seam for tests). */
export type SessionNamer = (nowMs: number) => string;

/** How often a generated name is drawn again when it is already taken (≈ 1 in 1.7 M per pair in one ms). */
const GENERATED_NAME_TRIES = 5;

/** A generated name that already exists: never hand one user's widget another user's session. */
class GeneratedNameTaken extends Error {}

/** Builds the widget session, its token and the response from a parsed body; writes nothing. */
function buildWidgetSession(deps: AppDeps, tenantId: string, body: CreateWidgetSessionBody, nameFor: SessionNamer): CreatedWidgetSession {
  const { config } = deps;
  const mode: WidgetMode = body.mode ?? 'all';

  if ((mode === 'cloud-api' || body.metaApp) && !body.metaApp && !config.meta.appId) {
    throw new HttpError(400, 'META_NOT_CONFIGURED', 'mode: cloud-api needs a Meta app: set META_APP_ID on the server or send metaApp.');
  }
  let metaApp: StoredMetaApp | null = null;
  if (body.metaApp) {
    const { appId, configId, appSecret } = body.metaApp;
    // Without its own secret, a BYOA app can only borrow the platform secret, and only for the
    // platform's own app id: another app's code cannot be exchanged with our secret.
    if (!appSecret && appId !== config.meta.appId) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'metaApp.appSecret: required unless metaApp.appId is the platform app (META_APP_ID)');
    }
    metaApp = { appId, configId, appSecretEnc: appSecret ? new SecretBox(config.secret).seal(appSecret) : null };
  }

  const now = deps.clock.now();
  const sessionName = body.sessionName ?? nameFor(now);
  const id = `ws_${randomBase62(22)}`;
  const { token, claims } = signWidgetToken(config.secret, { sub: id, tid: tenantId, ses: sessionName }, now);
  const expiresAt = claims.exp * 1000;
  const widgetSession: WidgetSessionRecord = {
    id,
    tenantId,
    sessionName,
    mode,
    callbackUrl: body.callbackUrl ?? null,
    allowedOrigins: body.allowedOrigins ?? [],
    locale: body.locale ? canonicalLocale(body.locale) : null,
    metaApp,
    createdAt: now,
    expiresAt,
    phase: 'idle',
    linkState: null,
    lastEventId: 0,
  };

  return {
    widgetSession,
    generatedName: body.sessionName === undefined,
    response: {
      success: true,
      data: {
        session: sessionName,
        widgetUrl: `${config.publicUrl}${WIDGET_PATHS.page}?token=${encodeURIComponent(token)}`,
        widgetToken: token,
        expiresAt: new Date(expiresAt).toISOString(),
        mode,
      },
    },
  };
}

/**
 * Stores a widget session and its WhatsApp session row. Run inside one transaction: the
 * CONNECTED check and the inserts see the same row, so two concurrent requests cannot both pass
 * the check for one name. A new name (the usual case) needs no read: the insert says it was new.
 */
function saveWidgetSession(store: AppDeps['store'], { widgetSession, generatedName }: CreatedWidgetSession): void {
  const { tenantId, sessionName, createdAt } = widgetSession;
  if (!store.insertWaSessionIfAbsent(tenantId, sessionName, createdAt)) {
    if (generatedName) throw new GeneratedNameTaken();
    if (store.getWaSession(tenantId, sessionName)?.status === 'CONNECTED') {
      throw new HttpError(409, 'SESSION_ALREADY_CONNECTED', `sessionName: "${sessionName}" is already connected; delete it first to link again.`);
    }
  }
  store.insertWidgetSession(widgetSession);
}

/** Builds and saves, drawing a generated name again while it collides with an existing one. */
async function createWith(
  deps: AppDeps,
  tenantId: string,
  body: CreateWidgetSessionBody,
  nameFor: SessionNamer,
  save: (created: CreatedWidgetSession) => void | Promise<void>,
): Promise<CreatedWidgetSession> {
  for (let attempt = 1; ; attempt++) {
    const created = buildWidgetSession(deps, tenantId, body, nameFor);
    try {
      await save(created);
      return created;
    } catch (error) {
      if (!(error instanceof GeneratedNameTaken)) throw error;
      if (attempt === GENERATED_NAME_TRIES) throw new HttpError(409, 'CONFLICT', 'Could not find a free session name; try again.');
    }
  }
}

/** Creates a widget session for a tenant in its own transaction (the demo backend calls this). */
export function createWidgetSession(deps: AppDeps, tenantId: string, body: CreateWidgetSessionBody, nameFor: SessionNamer = defaultSessionName): Promise<CreatedWidgetSession> {
  return createWith(deps, tenantId, body, nameFor, (created) => deps.store.db.transaction(() => saveWidgetSession(deps.store, created))());
}

/**
 * The route's path: the same, committed together with the other requests of this event-loop
 * turn (`transactBatched`); the 201 still goes out only after the commit.
 */
export function createWidgetSessionBatched(deps: AppDeps, tenantId: string, body: CreateWidgetSessionBody, nameFor: SessionNamer = defaultSessionName): Promise<CreatedWidgetSession> {
  return createWith(deps, tenantId, body, nameFor, (created) => deps.store.transactBatched(() => saveWidgetSession(deps.store, created)));
}

/** Mounted under `/api` after `apiKeyAuth` and the JSON body parser; `rateLimit` counts per key. */
export function widgetSessionsRouter(deps: AppDeps, rateLimit: RequestHandler): Router {
  const router = Router();
  router.post('/widget/sessions', requireScope('sessions:manage'), rateLimit, parseBody(createWidgetSessionBody), async (req, res) => {
    const { response, widgetSession } = await createWidgetSessionBatched(deps, res.locals.apiKey!.tenantId, req.body);
    deps.logger.info({ tenantId: widgetSession.tenantId, session: widgetSession.sessionName, mode: widgetSession.mode }, 'widget session created');
    res.status(201).json(response);
  });
  return router;
}
