// The virtual phone over HTTP drives the same edge as the in-process API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DisconnectReason } from 'baileys';
import { startEmulator, trustEmulatorRoot } from './index.js';
import type { WaEmulator } from './index.js';
import { connect, memoryAuth } from './testkit.js';

let emulator: WaEmulator;
before(async () => {
  emulator = await startEmulator({ pairingGraceMs: 50 });
  trustEmulatorRoot(emulator.rootPublicKey, () => {});
});
after(() => emulator.close());

const post = async (path: string, body?: unknown): Promise<{ status: number; json: any }> => {
  const res = await fetch(emulator.controlUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: await res.json() };
};

describe('HTTP control API', () => {
  const REFUSALS: Array<[string, string, unknown, number, string]> = [
    ['a malformed QR', '/phone/scan', { qr: 'hello' }, 400, 'BAD_QR'],
    ['a code nobody asked for', '/phone/enter-code', { code: 'ABCD-1234' }, 400, 'NO_PENDING_CODE'],
    ['an unknown device', '/phone/unlink', { jid: '1:9@s.whatsapp.net' }, 404, 'UNKNOWN_DEVICE'],
    ['a body that is not JSON', '/phone/scan', '{nope', 400, 'BAD_REQUEST'],
    ['an unknown path', '/phone/dance', {}, 404, 'NOT_FOUND'],
    ['a message to a number that is not digits', '/phone/send', { to: '+55 11', text: 'hi' }, 400, 'BAD_REQUEST'],
    ['a message from a number that is not digits', '/phone/send', { to: '5511900000001', from: 'me', text: 'hi' }, 400, 'BAD_REQUEST'],
    ['an empty message', '/phone/send', { to: '5511900000001', text: '' }, 400, 'BAD_REQUEST'],
    ['a message to a number with no connected device', '/phone/send', { to: '5511900000001', text: 'hi' }, 404, 'NOT_CONNECTED'],
    ['a body over 16 KiB', '/phone/scan', { qr: 'x'.repeat(20_000) }, 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [name, path, body, status, code] of REFUSALS) {
    it(`refuses ${name}`, async () => {
      const res = await post(path, body);
      assert.equal(res.status, status);
      assert.equal(res.json.code, code);
      assert.equal(typeof res.json.error, 'string');
    });
  }

  it('links a device by scanning over HTTP and lists it', async () => {
    const client = connect(emulator.url, memoryAuth());
    try {
      const { qr } = await client.until((u) => Boolean(u.qr));
      const res = await post('/phone/scan', { qr });
      assert.equal(res.status, 200);
      assert.equal(res.json.device.jid, '15550100001:1@s.whatsapp.net');
      assert.equal((await client.closed()).statusCode, DisconnectReason.restartRequired);
      const list = (await (await fetch(`${emulator.controlUrl}/phone/devices`)).json()) as { devices: Array<{ jid: string }> };
      assert.deepEqual(list.devices.map((d) => d.jid), ['15550100001:1@s.whatsapp.net']);
    } finally {
      client.sock.end(undefined);
    }
  });

  it('goes offline and online', async () => {
    assert.equal((await post('/phone/offline')).status, 200);
    assert.equal(emulator.edge.offline, true);
    assert.equal((await post('/phone/online')).status, 200);
    assert.equal(emulator.edge.offline, false);
  });
});

describe('the URLs it gives out', () => {
  // [listen on, publicHost, host in url / controlUrl / GET /edge]
  const CASES: Array<[string, string | undefined, string]> = [
    ['127.0.0.1', undefined, '127.0.0.1'],
    ['0.0.0.0', undefined, '127.0.0.1'],
    ['0.0.0.0', 'wa-emulator', 'wa-emulator'],
  ];
  for (const [host, publicHost, expected] of CASES) {
    it(`listening on ${host}${publicHost ? ` as ${publicHost}` : ''}: ${expected}`, async () => {
      const other = await startEmulator({ host, publicHost });
      try {
        assert.equal(other.url, `ws://${expected}:${other.port}/ws/chat`);
        assert.equal(other.controlUrl, `http://${expected}:${other.port}`);
        const edge = await (await fetch(`http://127.0.0.1:${other.port}/edge`)).json();
        assert.equal(edge.waWebSocketUrl, other.url);
      } finally {
        await other.close();
      }
    });
  }
});
