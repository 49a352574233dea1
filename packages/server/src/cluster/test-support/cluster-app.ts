// Several instances of the whole app in one process, as cluster mode runs them: one SQLite file
// (a connection each, as separate processes would have), one Redis namespace, the simulator
// engine on each, and an ownership view the test sets (the first instance owns everything).
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import pino, { type Logger } from 'pino';
import request from 'supertest';
import { createApiKey } from '../../api-keys.js';
import { createApp, type CreateAppOptions } from '../../app.js';
import type { AppConfig } from '../../config.types.js';
import { PostgresStore, SqliteStore, type Store } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/test-support/postgres.js';
import { manualClock, testConfig, type ManualClock } from '../../test-support/server.js';
import type { LinkingEngine } from '../../whatsapp/engine.js';
import { SimulatorEngine } from '../../whatsapp/simulator/engine.js';
import { ClusterLinking } from '../linking.js';
import { FakeOwnership, fakeClusterView, testRedis, type FakeClusterView, type TestRedis } from './redis.js';

export interface ClusterNode {
  id: string;
  app: Express;
  store: Store;
  engine: LinkingEngine;
  linking: ClusterLinking;
  port: number;
}

export interface TestCluster {
  /** In the order of `ids` (at least two). */
  nodes: [ClusterNode, ClusterNode, ...ClusterNode[]];
  view: FakeClusterView;
  clock: ManualClock;
  redis: TestRedis;
  /** A `*` API key of tenant `acme`. */
  key(): Promise<string>;
  /** `POST /api/widget/sessions` on `node`; the widget token and ids. */
  widgetSession(node: ClusterNode, body?: object): Promise<{ token: string; id: string; session: string }>;
  /** `POST` JSON to `node`, answering status and body. */
  post(node: ClusterNode, path: string, body: object, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface TestClusterOptions {
  ids?: string[];
  speed?: number;
  rpcTimeoutMs?: number;
  config?: Partial<AppConfig>;
  /** One SQLite file (default) or a fresh Postgres database, a connection (pool) per instance. */
  store?: 'sqlite' | 'postgres';
  /** Each instance's engine; default the simulator at `speed`. */
  engine?: (deps: { store: Store; clock: ManualClock; logger: Logger }) => Promise<LinkingEngine>;
  /** Per node (e.g. a shared rate-limit store). */
  limits?: (id: string, redis: TestRedis) => CreateAppOptions['limits'];
}

export async function testCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const ids = options.ids ?? ['a', 'b'];
  const redis = await testRedis();
  const view = fakeClusterView(ids);
  const clock = manualClock();
  const dir = mkdtempSync(join(tmpdir(), 'titan-cluster-'));
  const config = testConfig({ dbPath: join(dir, 'titan.db'), ...options.config });
  const logger = pino({ level: process.env.TITAN_TEST_LOG ?? 'silent' });
  const servers: http.Server[] = [];
  const nodes: ClusterNode[] = [];
  const database: TestDatabase | null = options.store === 'postgres' ? await createTestDatabase() : null;
  for (const id of ids) {
    const store = database ? await PostgresStore.open(database.url) : new SqliteStore(config.dbPath);
    const engineLogger = logger.child({ instance: id });
    const engine = options.engine
      ? await options.engine({ store, clock, logger: engineLogger })
      : new SimulatorEngine({ store, clock, speed: options.speed ?? 1, logger: engineLogger });
    const deps = { config, store, engine, clock, logger: logger.child({ instance: id }) };
    const linking = new ClusterLinking(deps, { redis: redis.redis, keys: redis.keys, ownership: new FakeOwnership(id, view), rpcTimeoutMs: options.rpcTimeoutMs });
    const app = createApp({ ...deps, engine: linking.engine, linking, logRequests: false, limits: options.limits?.(id, redis) });
    await linking.resume();
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    nodes.push({ id, app, store, engine, linking, port: (server.address() as AddressInfo).port });
  }
  const key = async () => (await createApiKey(nodes[0]!.store, { tenantId: 'acme', scopes: ['*'], now: clock.now() })).key;
  return {
    nodes: nodes as TestCluster['nodes'],
    view,
    clock,
    redis,
    key,
    async widgetSession(node, body = {}) {
      const res = await request(node.app).post('/api/widget/sessions').set('Authorization', `Bearer ${await key()}`).send(body).expect(201);
      const token = res.body.data.widgetToken as string;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
      return { token, id: claims.sub, session: res.body.data.session as string };
    },
    async post(node, path, body, token) {
      const res = await fetch(`http://127.0.0.1:${node.port}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      for (const node of nodes) {
        await node.linking.close();
        await node.engine.close();
        await node.store.close();
      }
      await database?.drop();
      await redis.drop();
    },
  };
}
