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
