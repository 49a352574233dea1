import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { PAIRING_LIMITS } from '../services/abuse-limits.js';
import { simApp } from './test-support/sim-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('widget API over the simulator (HTTP only)', () => {
  test('QR → scan → connected, with the redirect and the session CONNECTED', async () => {
    const sim = await simApp();
    try {
      const ws = await sim.widgetSession({ sessionName: 'shop', callbackUrl: 'https://app.example.com/linked?ref=7' });
      assert.equal(sim.engine.isRunning({ tenantId: 'acme', name: 'shop' }), false, 'creating does not start linking');
      const state = (await request(sim.app).get('/widget/api/state').set(auth(ws.token)).expect(200)).body.data;
      assert.deepEqual([state.phase, state.session, state.status, state.statusReason], ['qr', 'shop', 'CONNECTING', 'SCAN_QR']);
      assert.deepEqual(state.methods, ['qr', 'pairing']);
      assert.equal(state.qr.attempt, 1);
      assert.equal(state.messageTargetOrigin, '*');
      const scan = await request(sim.app).post('/dev/simulator/scan').send({ qr: state.qr.qr }).expect(200);
      assert.deepEqual(scan.body, { success: true, data: { session: 'shop' } });
      const after = (await request(sim.app).get('/widget/api/state').query({ token: ws.token }).expect(200)).body.data;
      assert.equal(after.phase, 'connected');
      assert.equal(after.connected.redirectUrl, `https://app.example.com/linked?ref=7&session=shop&status=connected&method=qr&widgetSession=${ws.id}`);
      const info = (await request(sim.app).get('/api/sessions/shop').set('Authorization', `Bearer ${await sim.key()}`).expect(200)).body.data;
      assert.deepEqual([info.status, info.method, info.phone], ['CONNECTED', 'qr', after.connected.phone]);
      // Scanning the same QR again: it is stale now.
      await request(sim.app).post('/dev/simulator/scan').send({ qr: state.qr.qr }).expect(400);
    } finally {
      await sim.close();
    }
  });

  test('verifiable completion: GET /api/widget/sessions/:id says pending, then connected; only to its own tenant', async () => {
    const sim = await simApp();
    try {
      const key = await sim.key(['sessions:read']);
      const ws = await sim.widgetSession({ sessionName: 'shop', callbackUrl: 'https://app.example.com/linked' });
      const result = async (id: string, apiKey = key) => request(sim.app).get(`/api/widget/sessions/${id}`).set('Authorization', `Bearer ${apiKey}`);
      const pending = (await (await result(ws.id)).body).data;
      assert.deepEqual(pending, { id: ws.id, session: 'shop', status: 'pending', method: null, phone: null, completedAt: null });
      const state = (await request(sim.app).get('/widget/api/state').set(auth(ws.token)).expect(200)).body.data;
      sim.clock.advance(5_000);
      await request(sim.app).post('/dev/simulator/scan').send({ qr: state.qr.qr }).expect(200);
      const done = (await result(ws.id)).body.data;
      assert.deepEqual([done.status, done.method, done.session], ['connected', 'qr', 'shop']);
      assert.match(done.phone, /^\d{8,15}$/);
      assert.equal(done.completedAt, new Date(sim.clock.now()).toISOString());
      // The redirect names this id; a backend looks it up with its own key.
      const redirect = new URL((await request(sim.app).get('/widget/api/state').set(auth(ws.token))).body.data.connected.redirectUrl);
      assert.equal(redirect.searchParams.get('widgetSession'), ws.id);
      // Another tenant's key, an unknown id and a malformed one: all 404; a key without the scope: 403.
      for (const [id, apiKey, status] of [
        [ws.id, await sim.key(['*'], 'globex'), 404],
        ['ws_unknown', key, 404],
        ['../etc', key, 404],
        [ws.id, await sim.key(['messages:write']), 403],
      ] as const) assert.equal((await result(id, apiKey)).status, status, `${id} ${status}`);
      // After its lifetime a widget session that never linked reads expired.
      const idle = await sim.widgetSession({ sessionName: 'idle' });
      sim.clock.advance(901_000);
      assert.equal((await result(idle.id)).body.data.status, 'expired');
    } finally {
      await sim.close();
    }
  });

  test('pairing → code → connected with the typed number, digits only', async () => {
    const sim = await simApp();
    try {
      const ws = await sim.widgetSession({ sessionName: 'shop', mode: 'pairing' });
      const res = await request(sim.app).post('/widget/api/pairing-code').set(auth(ws.token)).send({ phoneNumber: '+55 11 91234-5678' }).expect(200);
      const { code, phoneNumber } = res.body.data;
      assert.match(code, /^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
      assert.equal(phoneNumber, '5511912345678');
      await request(sim.app).post('/dev/simulator/enter-code').send({ code: 'ZZZZ-ZZZZ' }).expect(400);
      await request(sim.app).post('/dev/simulator/enter-code').send({ code }).expect(200);
      const state = (await request(sim.app).get('/widget/api/state').set(auth(ws.token)).expect(200)).body.data;
      assert.deepEqual([state.phase, state.connected.method, state.connected.phone], ['connected', 'pairing', '5511912345678']);
    } finally {
      await sim.close();
    }
  });

  test('pairing-code validation: the field is named; bodies that are not JSON get 415', async () => {
    const sim = await simApp();
    try {
      const ws = await sim.widgetSession();
      const CASES: [unknown, number, RegExp][] = [
        [{ phoneNumber: '12' }, 400, /^phoneNumber:/],
        [{ phoneNumber: '+55 11 1234' }, 400, /^phoneNumber:/],
        [{ phoneNumber: 5511912345678 }, 400, /^phoneNumber:/],
        [{}, 400, /^phoneNumber:/],
        [{ phoneNumber: '+5511912345678', extra: 1 }, 400, /^extra: unknown field/],
      ];
      for (const [body, status, field] of CASES) {
        const res = await request(sim.app).post('/widget/api/pairing-code').set(auth(ws.token)).send(body as object).expect(status);
        assert.match(res.body.error, field, JSON.stringify(body));
        assert.equal(res.body.code, 'VALIDATION_FAILED');
      }
      await request(sim.app).post('/widget/api/pairing-code').set(auth(ws.token)).set('Content-Type', 'text/plain').send('x').expect(415);
    } finally {
      await sim.close();
    }
  });

  test('pairing codes: 3 a minute per widget session, then 429 with Retry-After; another session is not affected', async () => {
    const sim = await simApp();
    try {
      const ws = await sim.widgetSession({ sessionName: 'one' });
      const other = await sim.widgetSession({ sessionName: 'two' });
      const ask = (token: string) => request(sim.app).post('/widget/api/pairing-code').set(auth(token)).send({ phoneNumber: '5511912345678' });
      for (let i = 0; i < 3; i++) {
        await ask(ws.token).expect(200);
        sim.clock.advance(10_000);
      }
      const limited = await ask(ws.token).expect(429);
      assert.equal(limited.body.code, 'RATE_LIMITED');
      assert.equal(limited.headers['retry-after'], '30', 'the first of the three leaves the window in 30 s');
      await ask(other.token).expect(200);
      sim.clock.advance(30_000);
      await ask(ws.token).expect(200);
    } finally {
      await sim.close();
    }
  });

  test(`pairing codes per phone number: ${PAIRING_LIMITS.perPhoneNumber.limit} an hour across sessions and tenants, kept across a restart`, async () => {
    const one = await simApp();
    const number = '5511912345678';
    const ask = (app: typeof one.app, token: string, phoneNumber = number) =>
      request(app).post('/widget/api/pairing-code').set(auth(token)).send({ phoneNumber });
    for (let i = 0; i < PAIRING_LIMITS.perPhoneNumber.limit; i++) {
      const ws = await one.widgetSession({ sessionName: `s${i}` }, i % 2 ? 'acme' : 'globex');
      await ask(one.app, ws.token).expect(200);
    }
    const fresh = await one.widgetSession({ sessionName: 'fresh' });
    const limited = await ask(one.app, fresh.token).expect(429);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.equal(limited.headers['retry-after'], '3600');
    assert.ok(!JSON.stringify(limited.body).includes(number));
    await ask(one.app, fresh.token, '5511987654321').expect(200);
    // A qr-only widget session is refused before it can spend any number's budget.
    const qrOnly = await one.widgetSession({ sessionName: 'qr-only', mode: 'qr' });
    for (let i = 0; i < 10; i++) await ask(one.app, qrOnly.token, '5511955555555').expect(409);
    await ask(one.app, fresh.token, '5511955555555').expect(200);
    await one.close();

    const two = await simApp({ dir: one.dir, clock: one.clock });
    try {
      const again = await two.widgetSession({ sessionName: 'after-restart' });
      await ask(two.app, again.token).expect(429);
      two.clock.advance(PAIRING_LIMITS.perPhoneNumber.windowMs);
      await ask(two.app, (await two.widgetSession({ sessionName: 'an-hour-later' })).token).expect(200);
    } finally {
      await two.close();
    }
  });

  test(`pairing codes per session name: ${PAIRING_LIMITS.perSessionName.limit} an hour, however many widget sessions`, async () => {
    const sim = await simApp();
    try {
      const limit = PAIRING_LIMITS.perSessionName.limit;
      for (let i = 0; i < limit; i++) {
        const ws = await sim.widgetSession({ sessionName: 'shop' });
        await request(sim.app).post('/widget/api/pairing-code').set(auth(ws.token)).send({ phoneNumber: `55119123456${String(i).padStart(2, '0')}` }).expect(200);
      }
      const ws = await sim.widgetSession({ sessionName: 'shop' });
      const limited = await request(sim.app).post('/widget/api/pairing-code').set(auth(ws.token)).send({ phoneNumber: '5511900000000' }).expect(429);
      assert.equal(limited.body.code, 'RATE_LIMITED');
      // The same name in another tenant is another session.
      const other = await sim.widgetSession({ sessionName: 'shop' }, 'globex');
      await request(sim.app).post('/widget/api/pairing-code').set(auth(other.token)).send({ phoneNumber: '5511900000000' }).expect(200);
    } finally {
      await sim.close();
    }
  });

  test('qr/restart: 409 while a QR is live, a fresh cycle after QR_TIMEOUT', async () => {
    const sim = await simApp({ speed: 4000 });
    try {
      const ws = await sim.widgetSession();
      const first = (await request(sim.app).get('/widget/api/state').set(auth(ws.token)).expect(200)).body.data;
      assert.equal(first.phase, 'qr');
      const conflict = await request(sim.app).post('/widget/api/qr/restart').set(auth(ws.token)).expect(409);
      assert.equal(conflict.body.code, 'CONFLICT');
      let state = first;
      for (let i = 0; i < 100 && state.phase !== 'expired'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        state = (await request(sim.app).get('/widget/api/state').set(auth(ws.token))).body.data;
      }
      assert.deepEqual([state.phase, state.expired?.reason, state.statusReason], ['expired', 'QR_TIMEOUT', 'QR_TIMEOUT']);
      const restarted = (await request(sim.app).post('/widget/api/qr/restart').set(auth(ws.token)).expect(200)).body.data;
      assert.equal(restarted.phase, 'qr');
      assert.equal(restarted.qr.attempt, 1);
    } finally {
      await sim.close();
    }
  });

  test('the state never leaks another widget session and is not cacheable', async () => {
    const sim = await simApp();
    try {
      const a = await sim.widgetSession({ sessionName: 'a', allowedOrigins: ['https://app.example.com'] });
      const b = await sim.widgetSession({ sessionName: 'b' });
      const res = await request(sim.app).get('/widget/api/state').set(auth(a.token)).expect(200);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.body.data.session, 'a');
      assert.equal(res.body.data.messageTargetOrigin, 'https://app.example.com');
      assert.equal((await request(sim.app).get('/widget/api/state').set(auth(b.token))).body.data.session, 'b');
      await request(sim.app).get('/widget/api/state').expect(401);
    } finally {
      await sim.close();
    }
  });
});
