import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SqliteStore } from '../store/index.js';
import { manualClock, testConfig } from '../test-support/server.js';
import { SimulatorEngine } from '../whatsapp/simulator/engine.js';
import { startCluster } from './index.js';
import { FakeOwnership, fakeClusterView, redisUnavailable, TEST_REDIS_URL } from './test-support/redis.js';

const skip = (await redisUnavailable()) ?? undefined;

function deps() {
  const store = new SqliteStore(':memory:');
  const logger = pino({ level: 'silent' });
  const clock = manualClock();
  return { config: testConfig(), store, engine: new SimulatorEngine({ store, clock, speed: 1, logger }), clock, logger };
}

test('startCluster: builds the parts from one URL, and closes them', { skip }, async () => {
  const d = deps();
  const cluster = await startCluster(d, { redisUrl: TEST_REDIS_URL, ownership: new FakeOwnership('solo', fakeClusterView(['solo'])), namespace: `titan-test-start-${process.pid}` });
  assert.equal(await cluster.redis.ping(), 'PONG');
  assert.ok(cluster.linking.virtualPhone, 'the simulator has a phone, so the cluster has one');
  assert.equal(typeof cluster.widgetSessionLimitStore.increment, 'function');
  await cluster.linking.close();
  await cluster.close();
  await assert.rejects(cluster.redis.ping());
  await d.engine.close();
  await d.store.close();
});

test('startCluster: an unreachable Redis fails the start with the reason', async () => {
  const d = deps();
  await assert.rejects(
    startCluster(d, { redisUrl: 'redis://127.0.0.1:1', ownership: new FakeOwnership('solo', fakeClusterView(['solo'])) }),
    { message: 'TITAN_REDIS_URL: Redis is unreachable (connect ECONNREFUSED 127.0.0.1:1)' },
  );
  await d.engine.close();
  await d.store.close();
});
