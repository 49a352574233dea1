// The Postgres schema and the run that brings a database up to it. Entry N mirrors entry N of
// migrations.ts (same tables and columns: postgres.test.ts compares them), with Postgres types:
// BIGINT for millisecond times (they overflow INTEGER), TEXT for JSON (the store parses it).
import type { Pool } from 'pg';

export const PG_MIGRATIONS: readonly string[] = [
  /* 1: core */ `
  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    secret_hash  TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    label        TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
  );
  CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
  CREATE TABLE wa_sessions (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT,
    method        TEXT,
    phone         TEXT,
    push_name     TEXT,
    cloud_api     TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
  );
  CREATE INDEX wa_sessions_status ON wa_sessions(status);
  CREATE TABLE widget_sessions (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    session_name    TEXT NOT NULL,
    mode            TEXT NOT NULL,
    callback_url    TEXT,
    allowed_origins TEXT NOT NULL,
    locale          TEXT,
    meta_app        TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    phase           TEXT NOT NULL,
    link_state      TEXT,
    last_event_id   INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX widget_sessions_by_name ON widget_sessions(tenant_id, session_name);
  CREATE TABLE wa_auth_creds (
    tenant_id    TEXT NOT NULL,
    session_name TEXT NOT NULL,
    creds        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, session_name)
  );
  CREATE TABLE wa_auth_keys (
    tenant_id    TEXT NOT NULL,
    session_name TEXT NOT NULL,
    type         TEXT NOT NULL,
    id           TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, session_name, type, id)
  );
  `,
  /* 2: persisted abuse limits (one row per counted hit; a sliding window per bucket) */ `
  CREATE TABLE rate_limits (
    bucket     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX rate_limits_bucket ON rate_limits(bucket, at);
  CREATE INDEX rate_limits_expiry ON rate_limits(expires_at);
  CREATE INDEX widget_sessions_expiry ON widget_sessions(expires_at);
  `,
  /* 3: cluster mode's session leases (one owner per WhatsApp session; epoch = fencing token) */ `
  CREATE TABLE session_leases (
    tenant_id    TEXT NOT NULL,
    session_name TEXT NOT NULL,
    owner        TEXT NOT NULL,
    epoch        BIGINT NOT NULL,
    acquired_at  BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, session_name)
  );
  CREATE INDEX session_leases_owner ON session_leases(owner);
  `,
  /* 4: webhooks: endpoints, the outbox of events, deliveries (event x endpoint), the attempt log */ `
  CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    url             TEXT NOT NULL,
    events          TEXT,
    description     TEXT,
    secret_enc      TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
  );
  CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id);
  CREATE TABLE webhook_events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    tenant_id    TEXT NOT NULL,
    session_name TEXT,
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    event_seq        BIGINT NOT NULL,
    session_name     TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    last_status_code INTEGER,
    last_error       TEXT,
    delivered_at     BIGINT,
    failed_at        BIGINT,
    PRIMARY KEY (endpoint_id, event_id)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
  CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, session_name, event_seq);
  -- The claim's order check looks only at undelivered rows: without this it scanned each session's
  -- whole delivered history per pending delivery (93 ms a claim at 2,000 in one session).
  CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, session_name, event_seq) WHERE delivered_at IS NULL AND failed_at IS NULL;
  CREATE TABLE webhook_attempts (
    endpoint_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    latency_ms  INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, event_id, attempt),
    FOREIGN KEY (endpoint_id, event_id) REFERENCES webhook_deliveries(endpoint_id, event_id) ON DELETE CASCADE
  );
  `,
];

/**
 * Advisory lock key of the migration run (any constant works; this one spells "titan" in hex
 * digits so it stands out in pg_locks). Every instance of the server takes it before looking
 * at the schema, so instances started together migrate one after the other, never twice.
 */
export const MIGRATION_LOCK = 0x717a4e;

/**
 * Brings the database up to `PG_MIGRATIONS`: one transaction holding the advisory lock (released
 * by the commit or rollback, even if this process dies), `schema_migrations` recording each
 * version. DDL is transactional in Postgres, so a failed run leaves the schema as it was.
 * Returns the versions this call applied (empty when another instance already had).
 */
export async function migratePostgres(pool: Pool, migrations: readonly string[] = PG_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const [i, sql] of migrations.entries()) {
      const version = i + 1;
      if (done.has(version)) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
      applied.push(version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    // A client whose rollback failed is in an unknown state: the pool destroys it.
    client.release(broken);
  }
}
