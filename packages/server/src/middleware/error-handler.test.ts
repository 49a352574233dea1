import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { HttpError } from '../errors.js';
import { captureLogger } from '../test-support/server.js';
import { jsonBody } from './body.js';
import { errorHandler } from './error-handler.js';
import { notFound } from './not-found.js';

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
