import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { simApp } from './test-support/sim-app.js';
import type { EngineEvent } from '../whatsapp/engine.js';

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

test('virtual phone: a contact writes to a linked session (POST /dev/simulator/message); the engine reports it', async () => {
  const sim = await simApp();
  try {
    const messages: Extract<EngineEvent, { type: 'message' }>[] = [];
    sim.engine.subscribe((event) => event.type === 'message' && messages.push(event));
    const ws = await sim.widgetSession({ sessionName: 'shop' });
    // Not linked yet: nothing to write to.
    const early = await request(sim.app).post('/dev/simulator/message').send({ session: 'shop', tenant: 'acme', text: 'hi' });
    assert.deepEqual([early.status, early.body.code], [409, 'SESSION_NOT_CONNECTED']);
    const state = (await request(sim.app).get('/widget/api/state').set('Authorization', `Bearer ${ws.token}`).expect(200)).body.data;
    await request(sim.app).post('/dev/simulator/scan').send({ qr: state.qr.qr }).expect(200);

    const sent = await request(sim.app).post('/dev/simulator/message').send({ session: 'shop', tenant: 'acme', text: 'hello from the phone' }).expect(200);
    assert.equal(sent.body.data.session, 'shop');
    assert.match(sent.body.data.id, /^3A[0-9A-F]+$/);
    const other = await request(sim.app).post('/dev/simulator/message').send({ session: 'shop', tenant: 'acme', text: 'me too', from: '+55 11 95555-4444' }).expect(200);
    assert.deepEqual(
      messages.map((e) => [e.key, e.message.id, e.message.from, e.message.type, e.message.text]),
      [
        [{ tenantId: 'acme', name: 'shop' }, sent.body.data.id, '15550100002', 'text', 'hello from the phone'],
        [{ tenantId: 'acme', name: 'shop' }, other.body.data.id, '5511955554444', 'text', 'me too'],
      ],
    );
    // Without `tenant`, the demo's tenant: no "shop" there.
    const elsewhere = await request(sim.app).post('/dev/simulator/message').send({ session: 'shop', text: 'hi' });
    assert.equal(elsewhere.status, 409);

    const BAD: unknown[] = [
      {},
      { session: 'shop' },
      { session: 'shop', text: '' },
      { session: 'shop', text: 'x'.repeat(4097) },
      { session: '../etc', text: 'hi' },
      { session: 'shop', text: 'hi', from: 'me' },
      { session: 'shop', text: 'hi', extra: true },
    ];
    for (const body of BAD) {
      const res = await request(sim.app).post('/dev/simulator/message').send(body as object);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.body.error, 'string');
    }
  } finally {
    await sim.close();
  }
});
