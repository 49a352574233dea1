import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { EngineError, HttpError } from '../errors.js';
import { MetaNotConfigured } from '../meta/embedded-signup.js';
import { captureLogger } from '../test-support/server.js';
import { jsonBody } from './body.js';
import { errorHandler } from './error-handler.js';
import { notFound } from './not-found.js';

/** A POST with exact bytes and headers (supertest would re-encode or set its own). */
async function rawPost(app: express.Express, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    server.closeAllConnections();
    await server.close();
  }
}

function appThrowing(error: () => unknown) {
  const { logger, text } = captureLogger();
  const app = express();
  app.post('/json', jsonBody(), (req, res) => void res.json({ got: req.body }));
  app.get('/throw', () => {
    throw error();
  });
  app.get('/reject', async () => {
    await Promise.resolve();
    throw error();
  });
  app.get('/stream', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(': hi\n\n');
    throw new Error('after headers');
  });
  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, logs: text };
}

test('errors become { error, code } with the right status and headers', async () => {
  const CASES: [string, () => unknown, number, string, Record<string, string>][] = [
    ['HttpError', () => new HttpError(429, 'RATE_LIMITED', 'Slow down.', { 'Retry-After': '30' }), 429, 'RATE_LIMITED', { 'retry-after': '30' }],
    ['ZodError', () => z.object({ phoneNumber: z.string() }).parse({ phoneNumber: 5 }), 400, 'VALIDATION_FAILED', {}],
    ['EngineError of the caller', () => new EngineError('BAD_REQUEST', 'This QR code is stale.'), 400, 'BAD_REQUEST', {}],
    ['EngineError of an upstream', () => new EngineError('META_EXCHANGE_FAILED', 'Meta said no.'), 502, 'META_EXCHANGE_FAILED', {}],
    ['EngineError subclass', () => new MetaNotConfigured('no app'), 400, 'META_NOT_CONFIGURED', {}],
    // Library errors (router, raw-body, body-parser) carry http-errors' 4xx status without our code.
    ['bad percent-encoding (router)', () => Object.assign(new URIError('Failed to decode param'), { status: 400, statusCode: 400 }), 400, 'BAD_REQUEST', {}],
    ['gzip that does not inflate', () => Object.assign(new Error('incorrect header check'), { status: 400, code: 'Z_DATA_ERROR' }), 400, 'BAD_REQUEST', {}],
    ['unknown encoding', () => Object.assign(new Error('x'), { status: 415, type: 'encoding.unsupported' }), 415, 'UNSUPPORTED_MEDIA_TYPE', {}],
    ['only statusCode', () => Object.assign(new Error('x'), { statusCode: 413 }), 413, 'PAYLOAD_TOO_LARGE', {}],
    ['an odd 4xx', () => Object.assign(new Error('x'), { status: 418 }), 418, 'BAD_REQUEST', {}],
    ['a 5xx status is still ours to log', () => Object.assign(new Error('x'), { status: 503 }), 500, 'INTERNAL_ERROR', {}],
    ['a status that is a string', () => Object.assign(new Error('x'), { status: '400' }), 500, 'INTERNAL_ERROR', {}],
    ['plain Error', () => new Error('database exploded'), 500, 'INTERNAL_ERROR', {}],
    ['a thrown string', () => 'weird', 500, 'INTERNAL_ERROR', {}],
  ];
  for (const [name, make, status, code, headers] of CASES) {
    const { app } = appThrowing(() => {
      try {
        return make();
      } catch (error) {
        return error;
      }
    });
    for (const path of ['/throw', '/reject']) {
      const res = await request(app).get(path);
      assert.equal(res.status, status, `${name} ${path}`);
      assert.equal(res.body.code, code, name);
      assert.equal(typeof res.body.error, 'string');
      for (const [h, v] of Object.entries(headers)) assert.equal(res.headers[h], v, name);
    }
  }
});

test('a ZodError names the field; a 500 hides its cause from the client', async () => {
  const zod = appThrowing(() => {
    try {
      z.object({ phoneNumber: z.string() }).parse({});
    } catch (error) {
      return error;
    }
  });
  assert.match((await request(zod.app).get('/throw')).body.error, /^phoneNumber:/);
  const boom = appThrowing(() => new Error('password=hunter2 in the SQL'));
  const res = await request(boom.app).get('/throw?token=query-secret').set('Authorization', 'Bearer titan_sk_header_secret');
  assert.equal(res.body.error, 'Internal server error.');
  const logs = boom.logs();
  assert.match(logs, /unhandled error/);
  assert.match(logs, /"path":"\/throw"/);
  assert.ok(!logs.includes('query-secret'));
  assert.ok(!logs.includes('titan_sk_header_secret'));
});

test('body errors are 4xx, never 500', async () => {
  const { app } = appThrowing(() => null);
  const CASES: [string, string, string, number, string | null][] = [
    ['valid', 'application/json', '{"a":1}', 200, null],
    ['json with charset', 'application/json; charset=utf-8', '{"a":1}', 200, null],
    ['vendor +json', 'application/vnd.api+json', '{"a":1}', 200, null],
    ['text', 'text/plain', 'hello', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', '', '{"a":1}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['truncated', 'application/json', '{"a":', 400, 'INVALID_JSON'],
    ['a bare number', 'application/json', '42', 400, 'INVALID_JSON'],
    ['latin1 charset', 'application/json; charset=latin1', '{"a":1}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['16 kB + 1', 'application/json', JSON.stringify({ a: 'x'.repeat(16 * 1024) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [name, type, body, status, code] of CASES) {
    const req = request(app).post('/json');
    if (type) req.set('Content-Type', type);
    // A string goes on the wire as is (superagent would JSON-encode a Buffer).
    const res = await req.send(body);
    assert.equal(res.status, status, name);
    if (code) assert.equal(res.body.code, code, name);
  }
  // Content-Encoding: body-parser inflates gzip/deflate/br; a body that does not inflate is the
  // client's fault, an encoding it does not know is 415.
  const ENCODED: [string, string, Buffer, number, string | null][] = [
    ['real gzip', 'gzip', gzipSync('{"a":1}'), 200, null],
    ['gzip header, plain body', 'gzip', Buffer.from('{"a":1}'), 400, 'BAD_REQUEST'],
    ['br header, plain body', 'br', Buffer.from('{"a":1}'), 400, 'BAD_REQUEST'],
    ['deflate header, garbage', 'deflate', Buffer.from([1, 2, 3, 4]), 400, 'BAD_REQUEST'],
    ['truncated gzip', 'gzip', gzipSync('{"a":1}').subarray(0, 12), 400, 'BAD_REQUEST'],
    ['unknown encoding', 'compress', Buffer.from('{"a":1}'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['gzip bomb past the cap', 'gzip', gzipSync(JSON.stringify({ a: 'x'.repeat(1 << 20) })), 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [name, encoding, body, status, code] of ENCODED) {
    const res = await rawPost(app, '/json', { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body);
    assert.equal(res.status, status, name);
    if (code) assert.equal(JSON.parse(res.text).code, code, name);
  }
  const empty = await request(app).post('/json').expect(200);
  assert.deepEqual(empty.body, { got: {} }, 'a bare POST reads as {}');
});

test('an error after a stream started closes it instead of writing JSON into it', async () => {
  const { app } = appThrowing(() => null);
  const outcome = await request(app)
    .get('/stream')
    .then((res) => res.text)
    .catch((error: NodeJS.ErrnoException) => error.code);
  // Either the socket was cut (the usual case) or what arrived is the stream, not an error body.
  assert.ok(outcome === 'ECONNRESET' || !String(outcome).includes('INTERNAL_ERROR'), String(outcome));
});

test('an error before the body was read closes the connection; other errors keep it alive', async () => {
  const { logger } = captureLogger();
  const app = express();
  // Refuses at once, like apiKeyAuth does, before anything reads the body.
  app.use('/guarded', () => {
    throw new HttpError(401, 'UNAUTHORIZED', 'Missing API key.');
  });
  app.use(errorHandler(logger));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const connectionHeader = (method: string, body: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      const headers = body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {};
      const req = httpRequest({ host: '127.0.0.1', port, method, path: '/guarded', headers, agent: keepAlive }, (res) => {
        res.resume();
        resolve(res.headers.connection);
      });
      req.on('error', reject);
      // Only half the body: it is still unread when the error is answered.
      if (body) req.write(body.slice(0, body.length / 2));
      else req.end();
    });
  // A client that asks for keep-alive, so what the server decides shows in the answer.
  const keepAlive = new Agent({ keepAlive: true });
  try {
    const CASES: [string, string, string, string][] = [
      ['bodyless GET', 'GET', '', 'keep-alive'],
      ['POST with an unread body', 'POST', '{"padding":"' + 'x'.repeat(200) + '"}', 'close'],
    ];
    for (const [name, method, body, expected] of CASES) assert.equal(await connectionHeader(method, body), expected, name);
  } finally {
    keepAlive.destroy();
    server.closeAllConnections();
    await server.close();
  }
});
