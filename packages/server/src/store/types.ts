import type {
  ApiScope,
  LinkMethod,
  LinkPhase,
  SessionStatus,
  StatusReason,
  WebhookEventDataMap,
  WebhookEventType,
  WidgetMode,
} from '@titan-connect/protocol';

export interface ApiKeyRecord {
  /** The public part of `titan_sk_<id>_<secret>`. */
  id: string;
  tenantId: string;
  /** `sha256:<hex>` of the secret part (high-entropy, so a fast hash is enough: see api-keys.ts). */
  secretHash: string;
  scopes: ApiScope[];
  label: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A customer's own Meta app (BYOA). `appSecretEnc` is AES-256-GCM ciphertext, never plain. */
export interface StoredMetaApp {
  appId: string;
  configId: string;
  appSecretEnc: string | null;
}

/** A widget session as the backend created it: what routes and services may see. */
export interface WidgetSessionRecord {
  id: string;
  tenantId: string;
  sessionName: string;
  mode: WidgetMode;
  callbackUrl: string | null;
  allowedOrigins: string[];
  locale: string | null;
  metaApp: StoredMetaApp | null;
  createdAt: number;
  expiresAt: number;
}

/** The linking layer's own columns of a widget session; nothing else reads or writes them. */
export interface WidgetSessionLink {
  /** Where the linking is; `idle` until the widget first asks for it. */
  phase: LinkPhase;
  /** The linking snapshot (result, failure…), as JSON the linking layer owns. */
  linkState: string | null;
  /** Last SSE event id handed out for this widget session, so ids keep increasing across restarts. */
  lastEventId: number;
}

/** A widget session row with its linking columns (the linking layer's view). */
export type StoredWidgetSession = WidgetSessionRecord & WidgetSessionLink;

export interface WaSessionRecord {
  tenantId: string;
  name: string;
  status: SessionStatus;
  statusReason: StatusReason | null;
  method: LinkMethod | null;
  phone: string | null;
  pushName: string | null;
  /** Cloud API sessions: WABA id, phone number id, encrypted business token (JSON). */
  cloudApi: string | null;
  createdAt: number;
  updatedAt: number;
}

export type WaSessionPatch = Partial<Omit<WaSessionRecord, 'tenantId' | 'name' | 'createdAt'>>;
export type WidgetSessionPatch = Partial<WidgetSessionLink>;

/** Where a WhatsApp session's Baileys auth state lives. */
export interface AuthStateKey {
  tenantId: string;
  sessionName: string;
}

/** `createWidgetSession`'s outcome for the WhatsApp session name it asked for. */
export type CreateWidgetSessionResult = 'created' | 'name-taken' | 'already-connected';

/**
 * A webhook event as its producer decides it, before the store numbers it and fans it out to the
 * tenant's endpoints (transactional outbox: it commits with the change that caused it).
 * `sessionName` orders delivery (in order per WhatsApp session); null for `webhook.test`.
 */
export type WebhookEventDraft = {
  [K in WebhookEventType]: {
    tenantId: string;
    sessionName: string | null;
    type: K;
    data: WebhookEventDataMap[K];
    /** When it happened (ms), the body's `timestamp`, and when its deliveries are first due; `now` when absent. */
    at?: number;
  };
}[WebhookEventType];

/** An integrator's webhook endpoint. `secretEnc` is the sealed `whsec_…` (SecretBox), never plain. */
export interface WebhookEndpointRecord {
  /** `wh_<random>`. */
  id: string;
  tenantId: string;
  url: string;
  /** The types it subscribes to; null: all of them. */
  events: WebhookEventType[] | null;
  description: string | null;
  secretEnc: string;
  enabled: boolean;
  /** Why the server disabled it (a 410 from the receiver); null when enabled or disabled by hand. */
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type WebhookEndpointPatch = Partial<Pick<WebhookEndpointRecord, 'url' | 'events' | 'description' | 'enabled' | 'disabledReason' | 'updatedAt'>>;

/** One event × endpoint as the delivery log shows it. Times in ms; null when not (yet) so. */
export interface WebhookDeliveryRecord {
  /** The event's `msg_<random>` id: the `webhook-id` header of every attempt. */
  eventId: string;
  endpointId: string;
  type: WebhookEventType;
  sessionName: string | null;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
  failedAt: number | null;
  createdAt: number;
}

/** One HTTP attempt of a delivery (the log behind `attempts`). */
export interface WebhookAttemptRecord {
  eventId: string;
  endpointId: string;
  /** 1 for the first try. */
  attempt: number;
  at: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

/** A delivery the worker claimed: everything it needs to sign and send it. */
export interface WebhookDeliveryJob {
  eventId: string;
  endpointId: string;
  tenantId: string;
  type: WebhookEventType;
  /** The event's `data`, as stored JSON text (spliced into the body, never re-serialised). */
  payload: string;
  /** When the event happened (ms): the body's `timestamp`. */
  createdAt: number;
  url: string;
  secretEnc: string;
  /** Attempts made before this one. */
  attempts: number;
}

/**
 * What became of one attempt. `retry`: try again at `nextAttemptAt`; `failed`: the schedule is
 * spent (retryable by API); `gone`: the receiver answered 410, the endpoint is disabled with
 * `disabledReason` and this delivery ends as failed.
 */
export interface WebhookAttemptResult {
  eventId: string;
  endpointId: string;
  at: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  outcome: 'delivered' | 'retry' | 'failed' | 'gone';
  nextAttemptAt?: number;
  disabledReason?: string;
}

/**
 * One linking change, written in one transaction: the WhatsApp session's status, the linking
 * columns of its widget sessions, and the webhook events the change causes (outbox rows).
 */
export interface LinkChange {
  waSession?: { tenantId: string; name: string; patch: WaSessionPatch };
  widgetSessions?: { id: string; patch: WidgetSessionPatch }[];
  webhookEvents?: WebhookEventDraft[];
}

/** One limit of `Store.takeRateLimit`: at most `limit` hits per sliding `windowMs` for `key`. */
export interface RateLimitBucket {
  key: string;
  limit: number;
  windowMs: number;
}

/** `takeRateLimit`'s answer: allowed (and counted), or the first full bucket and when it frees. */
export type RateLimitResult = { allowed: true } | { allowed: false; key: string; retryAfterMs: number };

/**
 * Cluster mode: the lease row that says which instance runs a WhatsApp session. `epoch` grows
 * each time the owner changes (a fencing token); `expiresAt` 0 means released.
 */
export interface SessionLease {
  key: AuthStateKey;
  owner: string;
  epoch: number;
  /** When `owner` took it (ms). */
  acquiredAt: number;
  expiresAt: number;
}

/**
 * A write made in cluster mode, checked in the write's own transaction; a refused one throws
 * `StaleLeaseError` and writes nothing. `epoch` ≥ 1: made under that lease, refused unless `key`'s
 * lease row still names `owner` with `epoch`. `epoch` 0: `owner` never held the lease, refused
 * while another owner holds it unexpired at `now`. Absent: not fenced (single mode).
 */
export interface LeaseFence {
  key: AuthStateKey;
  owner: string;
  epoch: number;
  /** For `epoch` 0: the writer's clock, to tell a live lease from an expired one. */
  now?: number;
}

/** Baileys' auth state (creds + signal keys, BufferJSON text) and the engines' own settings. */
export interface AuthStateStore {
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /** Removes a setting (e.g. the generated secret, once it moved to its own file). */
  deleteSetting(key: string): Promise<void>;
  readCreds(key: AuthStateKey): Promise<string | null>;
  writeCreds(key: AuthStateKey, creds: string, fence?: LeaseFence): Promise<void>;
  readKeys(key: AuthStateKey, type: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** One transaction: every entry is written (value) or deleted (null), or none is. */
  writeKeys(key: AuthStateKey, entries: readonly { type: string; id: string; value: string | null }[], fence?: LeaseFence): Promise<void>;
  hasAuthState(key: AuthStateKey): Promise<boolean>;
  deleteAuthState(key: AuthStateKey, fence?: LeaseFence): Promise<void>;
  /**
   * Rewrites every stored creds and key value of every session through `transform` (null leaves
   * a value as it is), in one transaction; returns how many changed. For the start-up pass that
   * seals auth state written before sealing existed (store/sealed-auth-state.ts). A store must
   * not keep the old values readable afterwards (SQLite: secure_delete and a WAL checkpoint).
   */
  rewriteAuthState(transform: (value: string) => string | null): Promise<number>;
}

/**
 * Everything the server keeps. Async so a networked database can implement it; every
 * implementation passes `test-support/store-contract.ts`. Services call it; routes never do.
 */
export interface Store extends AuthStateStore {
  /** `sqlite` or `postgres`: for logs and `/readyz`. */
  readonly kind: string;
  close(): Promise<void>;
  /** Resolves when the database answers a trivial query (`SELECT 1`); for `/readyz`. */
  ping(): Promise<void>;

  ensureTenant(id: string, now?: number): Promise<void>;
  listTenants(): Promise<string[]>;
  /** Inserts, or replaces a key with the same id (un-revoking it). */
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(tenantId?: string): Promise<ApiKeyRecord[]>;
  /** False when no such key exists or it was already revoked. */
  revokeApiKey(id: string, now?: number): Promise<boolean>;
  touchApiKey(id: string, now?: number): Promise<void>;

  getWaSession(tenantId: string, name: string): Promise<WaSessionRecord | null>;
  listWaSessions(tenantId: string): Promise<WaSessionRecord[]>;
  listWaSessionsByStatus(status: SessionStatus): Promise<WaSessionRecord[]>;
  /**
   * WhatsApp sessions per status over every tenant, every status present (0 when none): one
   * grouped count, cheap enough for each `/metrics` scrape.
   */
  countWaSessionsByStatus(): Promise<Record<SessionStatus, number>>;
  /** Creates the session (DISCONNECTED) if it does not exist; returns it as stored. */
  ensureWaSession(tenantId: string, name: string, now?: number): Promise<WaSessionRecord>;
  updateWaSession(tenantId: string, name: string, patch: WaSessionPatch): Promise<WaSessionRecord | null>;
  /** Deletes the session row and its auth state together. */
  deleteWaSession(tenantId: string, name: string): Promise<boolean>;
  /**
   * The Cloud API session of a Meta phone number id (`cloud_api.phoneNumberId`), for inbound
   * Cloud API webhooks. A CONNECTED session wins over others with the same number (a number
   * re-linked elsewhere), then the most recently updated. Null when none has it.
   */
  findCloudApiSession(phoneNumberId: string): Promise<WaSessionRecord | null>;

  /**
   * Stores a new widget session and, unless it exists, its WhatsApp session row, in one
   * transaction: the CONNECTED check and the inserts see the same row, so two concurrent requests
   * cannot both pass it. `generatedName`: an existing row means the name is taken.
   */
  createWidgetSession(ws: WidgetSessionRecord, options: { generatedName: boolean }): Promise<CreateWidgetSessionResult>;
  getWidgetSession(id: string): Promise<StoredWidgetSession | null>;
  /** Widget sessions still within their lifetime whose linking had started (to resume after a restart). */
  listLiveWidgetSessions(now: number): Promise<StoredWidgetSession[]>;
  /** Widget sessions of one WhatsApp session, newest first. */
  listWidgetSessionsFor(tenantId: string, sessionName: string): Promise<StoredWidgetSession[]>;
  /**
   * Writes one linking change atomically. Changes are applied in the order of the calls (the
   * last status wins), even when the database could run the queries concurrently.
   */
  commitLinkChange(change: LinkChange, fence?: LeaseFence): Promise<void>;

  /**
   * Cluster mode's session leases (store/leases.ts has the rules). Takes `key` for `owner` until
   * `now + ttlMs` when it is free, expired or already `owner`'s; the epoch grows when the owner
   * changes. Null: another owner holds it unexpired.
   */
  acquireLease(key: AuthStateKey, owner: string, ttlMs: number, now: number): Promise<{ epoch: number } | null>;
  /** Extends every unexpired lease of `owner` to `now + ttlMs`; returns them (the ones still ours). */
  renewLeases(owner: string, now: number, ttlMs: number): Promise<SessionLease[]>;
  /** Lets `key` go at once if `owner` holds it (the row and its epoch stay); false otherwise. */
  releaseLease(key: AuthStateKey, owner: string): Promise<boolean>;
  getLease(key: AuthStateKey): Promise<SessionLease | null>;
  /** Every lease row, released and expired ones included. */
  listLeases(): Promise<SessionLease[]>;

  /**
   * Abuse limits that must survive a restart and hold across instances (pairing codes per phone
   * number and per session, Cloud API finishes): checks every bucket and, only if none is full,
   * counts one hit in each, atomically. Hits older than their window no longer count and may be
   * dropped. A refusal counts nothing.
   */
  takeRateLimit(buckets: readonly RateLimitBucket[], now: number): Promise<RateLimitResult>;

  /**
   * Deletes widget sessions that expired before `before` (their linking columns included);
   * returns how many. The WhatsApp sessions they linked stay. For the retention job in main.ts.
   */
  purgeWidgetSessions(before: number): Promise<number>;

  // --- webhooks (store/sqlite-webhooks.ts, store/postgres-webhooks.ts) ---
  insertWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void>;
  getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpointRecord | null>;
  /** Oldest first; every tenant's when `tenantId` is absent (the CLI). */
  listWebhookEndpoints(tenantId?: string): Promise<WebhookEndpointRecord[]>;
  updateWebhookEndpoint(tenantId: string, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRecord | null>;
  /** Deletes the endpoint with its deliveries and their attempt log; any tenant's when `tenantId` is absent (the CLI). */
  deleteWebhookEndpoint(id: string, tenantId?: string): Promise<boolean>;
  /**
   * Puts events into the outbox in one transaction, each fanned out to a delivery (due at its `at`, else `now`)
   * per enabled endpoint of its tenant that subscribes to its type (`webhook.test`: only the
   * endpoint its data names). Returns the events' ids, in order. `commitLinkChange` does the same
   * for `change.webhookEvents`, inside the change's own transaction.
   */
  appendWebhookEvents(drafts: readonly WebhookEventDraft[], now: number): Promise<string[]>;
  /**
   * Takes up to `limit` due deliveries of enabled endpoints, oldest event first, and leases them
   * until `now + leaseMs` (a worker that dies mid-attempt leaves them due again then, with the same
   * event id). In order per (endpoint, session): a delivery waits while an earlier one of the same
   * endpoint and session is neither delivered nor failed. Deliveries without a session never wait.
   */
  claimWebhookDeliveries(now: number, limit: number, leaseMs: number): Promise<WebhookDeliveryJob[]>;
  /** Records attempts (one transaction): the attempt log row and the delivery's new state. */
  recordWebhookAttempts(results: readonly WebhookAttemptResult[]): Promise<void>;
  /** An endpoint's deliveries, newest event first. */
  listWebhookDeliveries(endpointId: string, limit: number): Promise<WebhookDeliveryRecord[]>;
  listWebhookAttempts(endpointId: string, eventId: string): Promise<WebhookAttemptRecord[]>;
  /** Makes a delivery due at `now` again (failed, pending or delivered); false when there is none. */
  retryWebhookDelivery(endpointId: string, eventId: string, now: number): Promise<boolean>;
  /**
   * Deletes outbox events created before `before` that no endpoint still waits for (every delivery
   * delivered or failed, or none), with their deliveries and attempt log; returns how many.
   */
  purgeWebhookEvents(before: number): Promise<number>;
}
