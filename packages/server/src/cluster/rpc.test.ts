import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { EngineError, HttpError } from '../errors.js';
import { Rpc, RpcTimeoutError, type RpcHandler } from './rpc.js';
import { redisUnavailable, testRedis, type TestRedis } from './test-support/redis.js';

const skip = (await redisUnavailable()) ?? undefined;
const logger = pino({ level: 'silent' });

describe('cluster RPC over Redis', { skip }, () => {
  let t: TestRedis;
  const rpcs: Rpc[] = [];
  const instance = (instanceId: string, handler: RpcHandler, timeoutMs?: number): Rpc => {
    // Clocks of one process agree: no allowance for skew, so a late request is plainly late.
    const rpc = new Rpc({ redis: t.redis, keys: t.keys, instanceId, logger, handler, timeoutMs, clockSkewMs: 0 });
    rpcs.push(rpc);
    return rpc;
  };

  before(async () => {
    t = await testRedis();
  });
  after(async () => {
    await Promise.all(rpcs.map((r) => r.close()));
    await t.drop();
  });

  test('a call runs on the named instance and resolves to its answer', async () => {
    const a = instance('a', async () => 'a answered');
    instance('b', async (method, args) => ({ on: 'b', method, args }));
    assert.deepEqual(await a.call('b', 'echo', [1, 'two', { three: 3 }, null]), { on: 'b', method: 'echo', args: [1, 'two', { three: 3 }, null] });
    assert.equal(await a.call('a', 'self', []), 'a answered', 'an instance can call itself');
  });

  test('errors come back as the HttpError the owner would have answered with', async () => {
    const errors: Record<string, () => Error> = {
      http: () => new HttpError(409, 'SESSION_ALREADY_CONNECTED', 'This number is already linked.'),
      limited: () => new HttpError(429, 'RATE_LIMITED', 'Slow down.', { 'Retry-After': '7' }),
      engine: () => new EngineError('BAD_REQUEST', 'This QR code is stale or unknown; scan the one on screen now.'),
      bug: () => new TypeError('secret internals in a stack trace'),
    };
    const a = instance('a2', async () => null);
    instance('b2', async (method) => {
      throw errors[method]!();
    });
    const CASES: [string, number, string, string, Record<string, string>][] = [
      ['http', 409, 'SESSION_ALREADY_CONNECTED', 'This number is already linked.', {}],
      ['limited', 429, 'RATE_LIMITED', 'Slow down.', { 'Retry-After': '7' }],
      ['engine', 400, 'BAD_REQUEST', 'This QR code is stale or unknown; scan the one on screen now.', {}],
      ['bug', 500, 'INTERNAL_ERROR', 'Internal server error.', {}],
    ];
    for (const [method, status, code, message, headers] of CASES) {
      await assert.rejects(a.call('b2', method, []), (error: unknown) => {
        assert.ok(error instanceof HttpError, method);
        assert.deepEqual([error.status, error.code, error.message, error.headers], [status, code, message, headers], method);
        return true;
      });
    }
  });

  test('an owner that is gone: 503 SERVICE_UNAVAILABLE (retryable) after the timeout; its list expires', async () => {
    const a = instance('a3', async () => null, 300);
    const started = Date.now();
    await assert.rejects(a.call('gone', 'ensureStarted', ['ws']), (error: unknown) => {
      assert.ok(error instanceof RpcTimeoutError);
      assert.equal(error.status, 503);
      assert.equal(error.code, 'SERVICE_UNAVAILABLE');
      assert.equal(error.headers['Retry-After'], '2');
      assert.equal(error.instanceId, 'gone');
      return true;
    });
    assert.ok(Date.now() - started >= 290);
    const ttl = await t.redis.pttl(t.keys.rpc('gone'));
    assert.ok(ttl > 0 && ttl <= 900, `the dead instance's request list expires (pttl ${ttl})`);
    // It comes back late: the request nobody waits for any more is not carried out.
    const ran: string[] = [];
    instance('gone', async (method) => void ran.push(method));
    await a.call('gone', 'fresh', [], 2000);
    assert.deepEqual(ran, ['fresh']);
  });

  test('a thousand calls in flight at once all get their own answers', async () => {
    const a = instance('a4', async () => null);
    instance('b4', async (_method, [n]) => (n as number) * 2);
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, n) => a.call('b4', 'double', [n])));
    assert.deepEqual(answers, Array.from({ length: 1000 }, (_, n) => n * 2));
  });

  test('closing rejects the calls still waiting with 503', async () => {
    const a = instance('a5', async () => null);
    const pending = assert.rejects(a.call('nobody', 'x', []), { status: 503, code: 'SERVICE_UNAVAILABLE' });
    await a.close();
    await pending;
    await assert.rejects(a.call('b4', 'double', [1]), { status: 503 });
  });
});
