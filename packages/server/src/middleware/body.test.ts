import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { captureLogger } from '../test-support/server.js';
import { BODY_LIMIT_BYTES, jsonBody } from './body.js';
import { errorHandler } from './error-handler.js';

/**
 * Sends only the headers and `sent` bytes of a body announced as `announced` bytes, and waits for
 * the answer: a server that reads the body first never answers (the rest never comes).
 */
async function announce(announced: number, sent: number): Promise<{ status: number; connection: string | undefined; ms: number; code: string }> {
  const app = express();
  app.post('/json', jsonBody(), (_req, res) => void res.json({ ok: true }));
  app.use(errorHandler(captureLogger().logger));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const started = Date.now();
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/json', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': String(announced) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, ms: Date.now() - started, code: JSON.parse(text).code }));
        },
      );
      req.on('error', reject);
      req.write('{"a":"' + 'x'.repeat(Math.max(0, sent - 6)));
      setTimeout(() => reject(new Error('no answer in 2 s: the body is being waited for')), 2_000).unref();
    });
  } finally {
    server.closeAllConnections();
    await server.close();
  }
}

test('a body announced over the cap is refused from Content-Length, before it is read', async () => {
  const CASES: [string, number][] = [
    ['100 MB announced', 100 * 1024 * 1024],
    ['one byte over', BODY_LIMIT_BYTES + 1],
  ];
  for (const [name, announced] of CASES) {
    const res = await announce(announced, 64);
    assert.equal(res.status, 413, name);
    assert.equal(res.code, 'PAYLOAD_TOO_LARGE', name);
    assert.equal(res.connection, 'close', `${name}: the socket is closed, not drained`);
    assert.ok(res.ms < 1_000, `${name}: answered in ${res.ms} ms`);
  }
});
