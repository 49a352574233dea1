// The real baileys socket (no fake) against addresses that cannot answer: the engine must end in
// FAILED / WA_UNREACHABLE by itself instead of spinning. The `timeout` is the bound: a hang fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SqliteStore } from '../../store/index.js';
import type { EngineEvent } from '../engine.js';
import { BaileysEngine } from './engine.js';

const KEY = { tenantId: 'acme', name: 'offline' };

const UNREACHABLE = [
  ['nothing listens (ECONNREFUSED)', 'wss://127.0.0.1:1/ws/chat'],
  // `.invalid` never resolves (RFC 2606), so this is the ENOTFOUND path wherever the test runs.
  ['the host does not resolve (ENOTFOUND)', 'wss://web.whatsapp.invalid/ws/chat'],
] as const;

for (const [why, url] of UNREACHABLE) {
  test(`real socket, ${why}: retries, then FAILED "Could not reach WhatsApp servers"`, { timeout: 30_000 }, async () => {
    const store = new SqliteStore(':memory:');
    const engine = new BaileysEngine({
      store,
      logger: pino({ level: 'silent' }),
      socketOptions: { waWebSocketUrl: url },
      backoff: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
      connectTimeoutMs: 5_000,
      fetchVersion: async () => null, // the version fallback is tested on its own
    });
    const events: EngineEvent[] = [];
    const failed = new Promise<EngineEvent>((resolve) =>
      engine.subscribe((event) => {
        events.push(event);
        if (event.type === 'disconnected' && !event.reconnecting) resolve(event);
      }),
    );
    try {
      await engine.start(KEY);
      const final = await failed;
      assert.deepEqual(
        events.map((e) => (e.type === 'disconnected' ? [e.reason, e.code, e.reconnecting] : e.type)),
        [
          ['AUTO_RECONNECT', 'WA_UNREACHABLE', true],
          ['AUTO_RECONNECT', 'WA_UNREACHABLE', true],
          ['FAILED', 'WA_UNREACHABLE', false],
        ],
      );
      assert.equal(final.type === 'disconnected' && final.message, 'Could not reach WhatsApp servers');
      assert.equal(engine.isRunning(KEY), false);
      assert.equal(await store.readCreds({ tenantId: KEY.tenantId, sessionName: KEY.name }), null, 'an unlinked session leaves no creds');
    } finally {
      await engine.close();
      await store.close();
    }
  });
}
