import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { simApp } from '../routes/test-support/sim-app.js';
import { isLoopback } from './loopback-only.js';

test('isLoopback', () => {
  const CASES: [string | undefined, boolean][] = [
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['10.0.0.1', false],
    ['203.0.113.7', false],
    ['::ffff:203.0.113.7', false],
    ['128.0.0.1', false],
    ['fe80::1', false],
    ['', false],
    [undefined, false],
  ];
  for (const [address, expected] of CASES) assert.equal(isLoopback(address), expected, String(address));
});

// A remote client seen through a reverse proxy on this machine (`trust proxy` is loopback only),
// which is how a loopback-only route meets the network.
const REMOTE = { 'X-Forwarded-For': '203.0.113.7' };
const ROUTES: [string, 'get' | 'post', object?][] = [
  ['/', 'get'],
  ['/demo/config', 'get'],
  ['/demo/demo.js', 'get'],
  ['/demo/session', 'post', {}],
  ['/dev/simulator/scan', 'post', { qr: 'x' }],
  ['/dev/simulator/enter-code', 'post', { code: 'ABCD-EFGH' }],
  ['/dev/simulator/message', 'post', { session: 'shop', text: 'hi' }],
];

test('demo and virtual phone: loopback clients only, unless TITAN_DEMO=public', async () => {
  for (const demoPublic of [false, true]) {
    const sim = await simApp({ config: { demo: true, demoPublic } });
    try {
      for (const [path, method, body] of ROUTES) {
        const local = await request(sim.app)[method](path).send(body);
        assert.notEqual(local.status, 404, `loopback ${path}`);
        const remote = await request(sim.app)[method](path).set(REMOTE).send(body);
        if (demoPublic) assert.equal(remote.status, local.status, `public ${path}`);
        else {
          assert.equal(remote.status, 404, `remote ${path}`);
          assert.equal(remote.body.code, 'NOT_FOUND');
          assert.match(remote.body.error, /TITAN_DEMO=public/);
        }
      }
      // A remote client cannot pose as loopback: X-Forwarded-For is believed only from loopback
      // peers, and then names the real client. The widget itself is for everyone.
      const ws = await sim.widgetSession();
      await request(sim.app).get('/widget/api/state').set(REMOTE).set('Authorization', `Bearer ${ws.token}`).expect(200);
    } finally {
      await sim.close();
    }
  }
});
