// The virtual phone through an instance that does not run the session: with one WhatsApp edge
// emulator shared by the instances (TITAN_EMULATOR_URL), the real Baileys engine on each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '@titan-connect/wa-emulator';
import { SseClient } from '../routes/test-support/sse-client.js';
import { createRemoteEmulatedEngine } from '../whatsapp/emulated.js';
import { redisUnavailable } from './test-support/redis.js';
import { testCluster } from './test-support/cluster-app.js';

const skip = (await redisUnavailable()) ?? undefined;

describe('cluster mode: the virtual phone reaches the owner', { skip }, () => {
  test('a QR scanned through b links the session a runs on the shared emulator', async () => {
    const emulator = await startEmulator({});
    const cluster = await testCluster({
      engine: ({ store, logger }) => createRemoteEmulatedEngine({ store, logger, emulatorUrl: emulator.controlUrl, connectTimeoutMs: 5_000 }),
    });
    const [a, b] = cluster.nodes;
    try {
      const ws = await cluster.widgetSession(a, { sessionName: 'shop' });
      const tab = new SseClient(b.port, `/widget/api/events?token=${ws.token}`);
      const qr = await tab.waitFor((f) => f.event === 'qr' || (f.event === 'state' && f.json.phase === 'qr'), 15_000);
      const shown = qr.event === 'qr' ? qr.json.qr : qr.json.qr.qr;
      const stale = await cluster.post(b, '/dev/simulator/scan', { qr: 'https://wa.me/settings/linked_devices#2@x,a,b,c,1' });
      assert.deepEqual([stale.status, stale.body.code], [400, 'BAD_REQUEST'], 'no instance shows it: the answer of one instance');
      const scan = await cluster.post(b, '/dev/simulator/scan', { qr: shown, phoneNumber: '5511900000091' });
      assert.deepEqual([scan.status, scan.body.data?.session], [200, 'shop'], JSON.stringify(scan.body));
      const connected = await tab.waitForEvent('connected', 15_000);
      assert.equal(connected.json.phone, '5511900000091');
      const key = { tenantId: 'acme', name: 'shop' };
      assert.equal(a.engine.isRunning(key), true);
      assert.equal(b.engine.isRunning(key), false, 'one socket for the device: the owner\'s');
      assert.equal(emulator.phone.devices('5511900000091').length, 1);
      tab.destroy();
    } finally {
      await cluster.close();
      await emulator.close();
    }
  });

  test('three instances: created on a, streamed on b, scanned through a, run by c', async () => {
    const cluster = await testCluster({ ids: ['a', 'b', 'c'], speed: 20 });
    const [a, b] = cluster.nodes;
    const c = cluster.nodes[2]!;
    cluster.view.owner = 'c';
    try {
      const ws = await cluster.widgetSession(a, { sessionName: 'shop' });
      const tab = new SseClient(b.port, `/widget/api/events?token=${ws.token}`);
      const shown = await tab.waitFor((f) => f.event === 'qr' || (f.event === 'state' && f.json.phase === 'qr'));
      // a does not know the QR; b answers 400 too; c links it.
      const scan = await cluster.post(a, '/dev/simulator/scan', { qr: shown.event === 'qr' ? shown.json.qr : shown.json.qr.qr });
      assert.deepEqual([scan.status, scan.body.data?.session], [200, 'shop'], JSON.stringify(scan.body));
      assert.equal((await tab.waitForEvent('connected')).json.session, 'shop');
      const key = { tenantId: 'acme', name: 'shop' };
      assert.deepEqual([a, b, c].map((node) => node.engine.isRunning(key)), [false, false, true]);
      tab.destroy();
    } finally {
      await cluster.close();
    }
  });
});
