import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { idleEngine, makeTestServer, T0, TEST_SECRET } from '../test-support/server.js';
import { verifyWidgetToken } from '../tokens.js';

const phone = {
  scan: async () => ({ tenantId: 'default', name: 'x' }),
  enterCode: async () => ({ tenantId: 'default', name: 'x' }),
  sendMessage: async () => '3A0001',
};

test('demo off: / and /demo/session do not exist', async () => {
  const server = makeTestServer({ config: { demo: false } });
  try {
    await request(server.app).get('/').expect(404);
    await request(server.app).post('/demo/session').send({}).expect(404);
  } finally {
    await server.close();
  }
});

test('demo on: the page embeds the loader and never contains an API key', async () => {
  const server = makeTestServer({ config: { demo: true } });
  try {
    await server.key('default', ['*']);
    const res = await request(server.app).get('/').expect(200);
    assert.match(res.headers['content-type']!, /^text\/html/);
    assert.match(res.text, /<script src="\/widget\/loader\.js"><\/script>/);
    assert.match(res.text, /<script type="module" src="\/demo\/demo\.js"><\/script>/);
    assert.ok(!res.text.includes('titan_sk_'));
    const config = await request(server.app).get('/demo/config').expect(200);
    assert.deepEqual(config.body, { engine: 'simulator', virtualPhone: null }, 'no virtual phone for an engine without one');
    assert.match(res.headers['content-security-policy']!, /script-src 'self'/);
    const js = await request(server.app).get('/demo/demo.js').expect(200);
    assert.match(js.headers['content-type']!, /javascript/);
    assert.ok(!js.text.includes('titan_sk_'));
  } finally {
    await server.close();
  }
});

test('demo on with a virtual phone: the page shows it', async () => {
  const server = makeTestServer({ config: { demo: true, engine: 'simulator' }, engine: idleEngine(phone) });
  try {
    const res = await request(server.app).get('/').expect(200);
    // The page shows its phone section when /demo/config names a virtual phone, with its number.
    assert.match(res.text, /<section class="phone"[^>]* hidden>/);
    assert.match(res.text, /id="scan"/);
    assert.match(res.text, /id="enter-code"/);
    assert.match(res.text, /<form id="send-message">/, 'a contact can write to the linked number');
    const config = await request(server.app).get('/demo/config').expect(200);
    assert.deepEqual(config.body, { engine: 'simulator', virtualPhone: { displayNumber: '+1 555 010 0001' } });
    const js = await request(server.app).get('/demo/demo.js').expect(200);
    assert.match(js.text, /\/demo\/config/);
    assert.match(js.text, /\/dev\/simulator\/message/);
  } finally {
    await server.close();
  }
});

test('POST /demo/session creates a widget session for tenant default', async () => {
  const server = makeTestServer({ config: { demo: true } });
  try {
    const CASES: [object, number, string | null][] = [
      [{}, 201, 'all'],
      [{ mode: 'qr' }, 201, 'qr'],
      [{ mode: 'cloud-api' }, 201, 'all'],
      [{ mode: 'fax' }, 400, null],
    ];
    for (const [body, status, mode] of CASES) {
      const res = await request(server.app).post('/demo/session').send(body);
      assert.equal(res.status, status, JSON.stringify(body));
      if (!mode) continue;
      assert.equal(res.body.mode, mode);
      assert.match(res.body.widgetUrl, /^http:\/\/localhost:3000\/widget\/connect\?token=/);
      assert.equal(verifyWidgetToken(TEST_SECRET, res.body.widgetToken, T0).tid, 'default');
    }
    await request(server.app).post('/demo/session').set('Content-Type', 'text/plain').send('mode=qr').expect(415);
  } finally {
    await server.close();
  }
});
