import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { captureLogger } from '../test-support/server.js';
import { jsonBody } from './body.js';
import { errorHandler } from './error-handler.js';
import { parseBody } from './parse-body.js';

const Body = z.strictObject({
  phoneNumber: z.string().max(20, 'at most 20 characters'),
  meta: z.strictObject({ appId: z.string() }).optional(),
  count: z.coerce.number().int().default(1),
});

function app() {
  const app = express();
  // The handler sees the schema's output: defaults filled in, types narrowed.
  app.post('/p', jsonBody(), parseBody(Body), (req, res) => void res.json({ got: req.body, count: req.body.count + 1 }));
  app.use(errorHandler(captureLogger().logger));
  return app;
}

test('parseBody: 400 VALIDATION_FAILED naming the field, or the parsed body', async () => {
  const CASES: [string, unknown, number, RegExp | object][] = [
    ['valid, default filled', { phoneNumber: '+1 555' }, 200, { got: { phoneNumber: '+1 555', count: 1 }, count: 2 }],
    ['missing field', {}, 400, /^phoneNumber: /],
    ['wrong type', { phoneNumber: 5 }, 400, /^phoneNumber: /],
    ['too long', { phoneNumber: 'x'.repeat(21) }, 400, /^phoneNumber: at most 20 characters$/],
    ['unknown field', { phoneNumber: '1', extra: true }, 400, /^extra: unknown field$/],
    ['unknown nested field', { phoneNumber: '1', meta: { appId: '1', x: 1 } }, 400, /^meta\.x: unknown field$/],
    ['nested wrong type', { phoneNumber: '1', meta: { appId: 1 } }, 400, /^meta\.appId: /],
    ['an array body', [{ phoneNumber: '1' }], 400, /^body: must be a JSON object$/],
    ['an empty array', [], 400, /^body: must be a JSON object$/],
  ];
  for (const [name, body, status, expected] of CASES) {
    const res = await request(app()).post('/p').set('Content-Type', 'application/json').send(JSON.stringify(body));
    assert.equal(res.status, status, name);
    if (expected instanceof RegExp) {
      assert.equal(res.body.code, 'VALIDATION_FAILED', name);
      assert.match(res.body.error, expected, name);
    } else {
      assert.deepEqual(res.body, expected, name);
    }
  }
});
