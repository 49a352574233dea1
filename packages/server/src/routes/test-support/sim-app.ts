// The whole app over the simulator engine on a real SQLite file, for route tests that drive a
// widget session from creation to connected through HTTP alone.
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { ApiScope } from '@titan-connect/protocol';
import { createApiKey } from '../../api-keys.js';
import { createApp, type CreateAppOptions } from '../../app.js';
import type { AppConfig } from '../../config.types.js';
import type { Linking } from '../../linking/index.js';
import { SqliteStore } from '../../store/index.js';
import { captureLogger, manualClock, testConfig, type ManualClock } from '../../test-support/server.js';
import { SimulatorEngine, type SimulatorEngineOptions } from '../../whatsapp/simulator/engine.js';

export interface SimApp {
  app: Express;
  store: SqliteStore;
  engine: SimulatorEngine;
  linking: Linking;
  clock: ManualClock;
  dir: string;
  key(scopes?: ApiScope[], tenant?: string): Promise<string>;
  /** `POST /api/widget/sessions` with a `*` key; returns the widget token and session id. */
  widgetSession(body?: object, tenant?: string): Promise<{ token: string; id: string; session: string }>;
  /** Listens on a loopback port (for real HTTP clients such as SSE readers). */
  listen(): Promise<{ port: number; server: http.Server }>;
  /** Shuts down like main.ts: linking, engine, store. */
  close(): Promise<void>;
}

export interface SimAppOptions {
  dir?: string;
  speed?: number;
  clock?: ManualClock;
  failures?: SimulatorEngineOptions['failures'];
  config?: Partial<AppConfig>;
  limits?: CreateAppOptions['limits'];
}

export async function simApp(options: SimAppOptions = {}): Promise<SimApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'titan-sim-'));
  const config = testConfig({ dbPath: join(dir, 'titan.db'), ...options.config });
  const store = new SqliteStore(config.dbPath);
  const clock = options.clock ?? manualClock();
  const { logger } = captureLogger();
  const engine = new SimulatorEngine({ store, clock, speed: options.speed ?? 1, logger, failures: options.failures });
  const app = createApp({ config, store, engine, clock, logger, logRequests: false, limits: options.limits });
  const linking = app.locals.linking as Linking;
  await linking.resume();
  const servers: http.Server[] = [];
  const key = async (scopes: ApiScope[] = ['*'], tenant = 'acme') => (await createApiKey(store, { tenantId: tenant, scopes, now: clock.now() })).key;
  return {
    app,
    store,
    engine,
    linking,
    clock,
    dir,
    key,
    async widgetSession(body = {}, tenant = 'acme') {
      const res = await request(app).post('/api/widget/sessions').set('Authorization', `Bearer ${await key(['*'], tenant)}`).send(body).expect(201);
      const token = res.body.data.widgetToken as string;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
      return { token, id: claims.sub, session: res.body.data.session as string };
    },
    async listen() {
      const server = http.createServer(app);
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { port: (server.address() as AddressInfo).port, server };
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
      await linking.close();
      await engine.close();
      await store.close();
    },
  };
}
