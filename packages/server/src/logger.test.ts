import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { captureLogger, makeTestServer } from './test-support/server.js';

test('a whole API flow never writes an API key or a widget token to the log', async () => {
  const server = makeTestServer();
  try {
    const key = await server.key('acme', ['*']);
    const created = await request(server.app).post('/api/widget/sessions').set('Authorization', `Bearer ${key}`).send({ sessionName: 'logged' }).expect(201);
    const token: string = created.body.data.widgetToken;
    await request(server.app).post('/api/widget/sessions').set('X-Api-Key', key).send({}).expect(201);
    await request(server.app).post('/api/widget/sessions').set('Authorization', `Bearer ${token}`).send({}).expect(401);
    await request(server.app).get('/widget/connect').query({ token }).expect(200);
    await request(server.app).get('/widget/connect').query({ token: token + 'x' }).expect(403);
    await request(server.app).get('/widget/api/nothing').query({ token }).expect(404);

    const logs = server.logs();
    assert.match(logs, /"path":"\/widget\/connect","status":200/, 'requests are logged');
    assert.match(logs, /widget session created/);
    const [, secret] = /^titan_sk_[A-Za-z0-9]+_([A-Za-z0-9]+)$/.exec(key)!;
    for (const needle of [key, secret!, token, token.split('.')[2]!]) assert.ok(!logs.includes(needle), `leaked ${needle.slice(0, 12)}…`);
  } finally {
    await server.close();
  }
});

test('known credential fields are redacted wherever they are logged', async () => {
  const { logger, text } = captureLogger();
  logger.info({ authorization: 'Bearer abc', token: 'tok-1', nested: { apiKey: 'key-1', appSecret: 'sec-1' }, headers: { 'x-api-key': 'key-2' } }, 'x');
  const line = text();
  for (const value of ['Bearer abc', 'tok-1', 'key-1', 'sec-1', 'key-2']) assert.ok(!line.includes(value), value);
  assert.match(line, /\[redacted\]/);
});
