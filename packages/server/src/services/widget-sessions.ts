// Widget sessions: what the backend creates (`POST /api/widget/sessions`), what a widget token
// unlocks, and the Cloud API finish of one. Routes call this; it calls the store, the linking
// layer and Meta; it never hands a route the linking columns or a sealed secret.
import type { CloudApiFinishRequest, ConnectedPayload, CreateWidgetSessionResponse, LinkMethod, WidgetMode, WidgetSessionResult, WidgetTokenClaims } from '@titan-connect/protocol';
import { WIDGET_PATHS } from '@titan-connect/protocol';
import { randomBase62 } from '../api-keys.js';
import { AbuseLimits } from './abuse-limits.js';
import { type CreateWidgetSessionBody, WIDGET_SESSION_ID_PATTERN } from '../api-schemas.js';
import type { AppDeps } from '../deps.js';
import { EngineError, HttpError } from '../errors.js';
import { methodsFor, offersCloudApi, parseSnapshot } from '../linking/snapshot.js';
import type { AppConfig } from '../config.types.js';
import type { Linking } from '../linking/index.js';
import { finishEmbeddedSignup, metaAppFor, redact } from '../meta/embedded-signup.js';
import { GraphClient, GraphError } from '../meta/graph-client.js';
import { SecretBox } from '../secrets.js';
import type { StoredMetaApp, WidgetSessionRecord } from '../store/types.js';
import { signWidgetToken, verifyWidgetToken, WidgetTokenError } from '../tokens.js';
import { canonicalLocale } from '../urls.js';

/** What a widget request may know of its widget session (`res.locals.widget.widgetSession`). */
export interface WidgetSessionView {
  id: string;
  tenantId: string;
  sessionName: string;
  mode: WidgetMode;
  /** The methods it offers, in tab order (Cloud API only with a Meta app). */
  methods: LinkMethod[];
  allowedOrigins: string[];
  locale: string | null;
  expiresAt: number;
}

export interface WidgetAuth {
  claims: WidgetTokenClaims;
  widgetSession: WidgetSessionView;
}

export interface CreatedWidgetSession {
  widgetSession: WidgetSessionView;
  response: CreateWidgetSessionResponse;
}

/** Makes the name of a session created without `sessionName` (a seam for tests). */
export type SessionNamer = (nowMs: number) => string;

/** `widget-<base36 time>-<4 random>`: sortable by creation and unlikely to collide. */
export const defaultSessionName: SessionNamer = (nowMs) => `widget-${nowMs.toString(36)}-${randomBase62(4).toLowerCase()}`;

/** How often a generated name is drawn again when it is already taken (≈ 1 in 1.7 M per pair in one ms). */
const GENERATED_NAME_TRIES = 5;

const viewOf = (config: AppConfig, ws: WidgetSessionRecord): WidgetSessionView => ({
  id: ws.id,
  tenantId: ws.tenantId,
  sessionName: ws.sessionName,
  mode: ws.mode,
  methods: methodsFor(config, ws),
  allowedOrigins: ws.allowedOrigins,
  locale: ws.locale,
  expiresAt: ws.expiresAt,
});

export class WidgetSessions {
  private readonly box: SecretBox;
  private readonly graph: GraphClient;
  private readonly limits: AbuseLimits;
  /** One Cloud API finish at a time per widget session: a double click must not spend the single-use code twice. */
  private readonly finishing = new Set<string>();

  constructor(
    private readonly deps: AppDeps,
    private readonly linking: Linking,
    private readonly nameFor: SessionNamer = defaultSessionName,
  ) {
    this.box = new SecretBox(deps.config.secret);
    this.limits = new AbuseLimits(deps);
    this.graph = new GraphClient({ graphUrl: deps.config.meta.graphUrl, graphVersion: deps.config.meta.graphVersion });
  }

  /**
   * Creates a widget session (and its WhatsApp session row) for a validated body. A generated
   * name that already exists is drawn again: one user's widget never gets another's session.
   */
  async create(tenantId: string, body: CreateWidgetSessionBody): Promise<CreatedWidgetSession> {
    const metaApp = this.metaAppOf(body);
    for (let attempt = 1; ; attempt++) {
      const created = this.build(tenantId, body, metaApp);
      const result = await this.deps.store.createWidgetSession(created.record, { generatedName: body.sessionName === undefined });
      if (result === 'created') return { widgetSession: viewOf(this.deps.config, created.record), response: created.response };
      if (result === 'already-connected') {
        throw new HttpError(409, 'SESSION_ALREADY_CONNECTED', `sessionName: "${created.record.sessionName}" is already connected; delete it first to link again.`);
      }
      if (attempt === GENERATED_NAME_TRIES) throw new HttpError(409, 'CONFLICT', 'Could not find a free session name; try again.');
    }
  }

  /**
   * How a widget session of this tenant ended: what a backend checks after a redirect, whose
   * query parameters anyone can type. 404 for another tenant's id, as for an unknown one.
   */
  async result(tenantId: string, id: string): Promise<WidgetSessionResult> {
    const stored = WIDGET_SESSION_ID_PATTERN.test(id) ? await this.deps.store.getWidgetSession(id) : null;
    if (!stored || stored.tenantId !== tenantId) throw new HttpError(404, 'NOT_FOUND', `No widget session "${id}".`);
    const snapshot = parseSnapshot(stored.linkState, stored.phase);
    const connected = stored.phase === 'connected' ? snapshot.connected : null;
    const status: WidgetSessionResult['status'] = connected
      ? 'connected'
      : stored.phase === 'failed'
        ? 'failed'
        : stored.phase === 'expired' || this.deps.clock.now() >= stored.expiresAt
          ? 'expired'
          : 'pending';
    return {
      id,
      session: stored.sessionName,
      status,
      method: connected?.method ?? null,
      phone: connected?.phone ?? null,
      completedAt: connected && snapshot.completedAt ? new Date(snapshot.completedAt).toISOString() : null,
    };
  }

  /** Verifies a widget token and binds it to its stored widget session. Throws `WidgetTokenError`. */
  async authenticate(token: string | null): Promise<WidgetAuth> {
    const claims = verifyWidgetToken(this.deps.config.secret, token, this.deps.clock.now());
    const stored = await this.deps.store.getWidgetSession(claims.sub);
    if (!stored || stored.tenantId !== claims.tid || stored.sessionName !== claims.ses) {
      throw new WidgetTokenError('invalid', 'Invalid widget token.');
    }
    return { claims, widgetSession: viewOf(this.deps.config, stored) };
  }

  /**
   * Finishes Meta Embedded Signup: exchange, subscribe, register, then the linking layer marks the
   * session CONNECTED. A Graph failure is told to the widget (`failed`) and thrown as a 502.
   */
  async finishCloudApi(view: WidgetSessionView, finish: CloudApiFinishRequest): Promise<ConnectedPayload> {
    const stored = await this.deps.store.getWidgetSession(view.id);
    if (!stored) throw new HttpError(404, 'NOT_FOUND', 'Unknown widget session.');
    if (!offersCloudApi(this.deps.config, stored)) {
      throw new HttpError(400, 'META_NOT_CONFIGURED', `This widget session is in ${stored.mode} mode, which does not offer Cloud API.`);
    }
    // Throws an EngineError (META_NOT_CONFIGURED) when neither the session nor the server has an app.
    const app = metaAppFor(this.deps.config, stored, this.box);
    const waSession = await this.deps.store.getWaSession(stored.tenantId, stored.sessionName);
    if ((await this.linking.state(view.id)).phase === 'connected' || waSession?.status === 'CONNECTED') {
      throw new HttpError(409, 'SESSION_ALREADY_CONNECTED', `Session ${stored.sessionName} is already connected.`);
    }
    if (this.finishing.has(view.id)) throw new HttpError(409, 'CONFLICT', 'Embedded Signup is already being finished for this widget session.');
    // Counted only for attempts that will call Graph: those spend the platform app's rate limit.
    await this.limits.takeCloudApiFinish(view.id);

    const log = this.deps.logger.child({ widgetSession: view.id, session: view.sessionName });
    const context = { wabaId: finish.wabaId, phoneNumberId: finish.phoneNumberId ?? null, event: finish.event, app: app.source };
    this.finishing.add(view.id);
    try {
      const connection = await finishEmbeddedSignup(this.graph, app, finish, this.box, (error) =>
        log.warn({ ...context, step: error.step, metaCode: error.metaCode, fbtraceId: error.fbtraceId }, 'Cloud API number lookup failed; connecting without it'),
      );
      const connected = await this.linking.connectCloudApi(view.id, connection);
      log.info(context, 'Cloud API connected');
      return connected;
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      // Meta's own sentence is what helps the user; scrub what we sent in case Meta echoes it.
      const message = redact(error.message, [app.appSecret, finish.code]);
      log.warn(
        { ...context, step: error.step, status: error.status, metaCode: error.metaCode, metaSubcode: error.metaSubcode, fbtraceId: error.fbtraceId, message },
        'Embedded Signup finish failed',
      );
      await this.linking.fail(view.id, { code: 'META_EXCHANGE_FAILED', message, retryable: true });
      throw new EngineError('META_EXCHANGE_FAILED', message);
    } finally {
      this.finishing.delete(view.id);
    }
  }

  /** The BYOA app to store (secret sealed), after checking Cloud API can work for this body. */
  private metaAppOf(body: CreateWidgetSessionBody): StoredMetaApp | null {
    const { config } = this.deps;
    if (body.mode === 'cloud-api' && !body.metaApp && !config.meta.appId) {
      throw new HttpError(400, 'META_NOT_CONFIGURED', 'mode: cloud-api needs a Meta app: set META_APP_ID on the server or send metaApp.');
    }
    if (!body.metaApp) return null;
    const { appId, configId, appSecret } = body.metaApp;
    // Without its own secret, a BYOA app can only borrow the platform secret, and only for the
    // platform's own app id: another app's code cannot be exchanged with our secret.
    if (!appSecret && appId !== config.meta.appId) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'metaApp.appSecret: required unless metaApp.appId is the platform app (META_APP_ID)');
    }
    return { appId, configId, appSecretEnc: appSecret ? this.box.seal(appSecret) : null };
  }

  private build(tenantId: string, body: CreateWidgetSessionBody, metaApp: StoredMetaApp | null): { record: WidgetSessionRecord; response: CreateWidgetSessionResponse } {
    const { config } = this.deps;
    const mode: WidgetMode = body.mode ?? 'all';
    const now = this.deps.clock.now();
    const sessionName = body.sessionName ?? this.nameFor(now);
    const id = `ws_${randomBase62(22)}`;
    const { token, claims } = signWidgetToken(config.secret, { sub: id, tid: tenantId, ses: sessionName }, now);
    const expiresAt = claims.exp * 1000;
    const record: WidgetSessionRecord = {
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
    };
    return {
      record,
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
}
