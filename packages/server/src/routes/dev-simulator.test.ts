import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { simApp } from './test-support/sim-app.js';

test('virtual phone: bad bodies 400, stale QR and wrong code 400 with a sentence', async () => {
  const sim = await simApp();
  try {
    const CASES: [string, unknown][] = [
      ['/dev/simulator/scan', {}],
      ['/dev/simulator/scan', { qr: 42 }],
      ['/dev/simulator/scan', { qr: 'https://wa.me/settings/linked_devices#2@x,a,b,c,1' }],
      ['/dev/simulator/enter-code', {}],
      ['/dev/simulator/enter-code', { code: 'ABCD-EFGH' }],
    ];
    for (const [path, body] of CASES) {
      const res = await request(sim.app).post(path).send(body as object);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(typeof res.body.error, 'string');
    }
  } finally {
    await sim.close();
  }
});

test('virtual phone: one phone links 4 sessions; the fifth gets 409 COMPANION_LIMIT and ends FAILED', async () => {
  const sim = await simApp();
  try {
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const phone = '+55 11 90000-0005';
    for (const [i, name] of names.entries()) {
      const ws = await sim.widgetSession({ sessionName: name });
      const state = (await request(sim.app).get('/widget/api/state').set('Authorization', `Bearer ${ws.token}`).expect(200)).body.data;
      const scan = await request(sim.app).post('/dev/simulator/scan').send({ qr: state.qr.qr, phoneNumber: phone });
      assert.equal(scan.status, i < 4 ? 200 : 409, name);
      if (i === 4) assert.equal(scan.body.code, 'COMPANION_LIMIT');
    }
    const key = await sim.key();
    for (const name of names) {
      const info = (await request(sim.app).get(`/api/sessions/${name}`).set('Authorization', `Bearer ${key}`).expect(200)).body.data;
      const expected = name === 'p5' ? ['DISCONNECTED', 'FAILED', null] : ['CONNECTED', null, '5511900000005'];
      assert.deepEqual([info.status, name === 'p5' ? info.statusReason : null, name === 'p5' ? null : info.phone], expected, name);
    }
    // A bad number is the caller's mistake.
    const bad = await request(sim.app).post('/dev/simulator/scan').send({ qr: 'x', phoneNumber: '12ab' });
    assert.equal(bad.status, 400);
  } finally {
    await sim.close();
  }
});
