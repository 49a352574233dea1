// The unmodified Baileys client against the emulator, through every linking path.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DisconnectReason } from 'baileys';
import { startEmulator, trustEmulatorRoot } from './index.js';
import type { WaEmulator } from './index.js';
import { connect, memoryAuth } from './testkit.js';
import type { Client, MemoryAuth } from './testkit.js';

let emulator: WaEmulator;
const clients: Client[] = [];

const open = (auth: MemoryAuth, extra?: Record<string, unknown>): Client => {
  const client = connect(emulator.url, auth, extra);
  clients.push(client);
  return client;
};

/** QR link: first QR, phone scan, 515; returns the linked auth. */
const linkWithQr = async (): Promise<MemoryAuth> => {
  const auth = memoryAuth();
  const client = open(auth);
  const { qr } = await client.until((u) => Boolean(u.qr));
  await emulator.phone.scanQr(qr!);
  const { statusCode } = await client.closed();
  assert.equal(statusCode, DisconnectReason.restartRequired);
  return auth;
};

const loginOpen = async (auth: MemoryAuth): Promise<Client> => {
  const client = open(auth);
  await client.until((u) => u.connection === 'open');
  return client;
};

beforeEach(async () => {
  emulator = await startEmulator({ qrRefs: 6, pairingGraceMs: 100 });
  trustEmulatorRoot(emulator.rootPublicKey, () => {});
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.sock.end(undefined);
  await emulator.close();
});

describe('QR linking', () => {
  it('shows a QR in the shape WhatsApp Web uses, links on scan, restarts (515) and opens with the saved creds', async () => {
    const auth = memoryAuth();
    const client = open(auth);
    const { qr } = await client.until((u) => Boolean(u.qr));
    assert.match(qr!, /^https:\/\/wa\.me\/settings\/linked_devices#2@[^,]+,[^,]+,[^,]+,[^,]+,1$/);
    const linked = await emulator.phone.scanQr(qr!);
    assert.equal(linked.jid, '15550100001:1@s.whatsapp.net');
    assert.equal(linked.method, 'qr');
    assert.equal((await client.closed()).statusCode, DisconnectReason.restartRequired);
    assert.equal(auth.state.creds.me?.id, linked.jid);
    assert.equal(auth.state.creds.me?.lid, linked.lid);

    const restarted = await loginOpen(auth);
    assert.equal(restarted.updates.some((u) => u.qr), false, 'a linked device never shows a QR');
    assert.equal(emulator.phone.devices().length, 1);
  });

  it('reconnects to open from stored creds after the client went away (server restart)', async () => {
    const auth = await linkWithQr();
    const first = await loginOpen(auth);
    first.sock.end(undefined);
    await first.closed();
    // A new process would load the creds from its store: simulate with a JSON round trip.
    const restored = memoryAuth();
    const { BufferJSON } = await import('baileys');
    const saved = JSON.parse(auth.snapshot(), BufferJSON.reviver) as { creds: typeof auth.state.creds };
    Object.assign(restored.state.creds, saved.creds);
    const login = new Promise<{ routingInfo: Buffer | null }>((resolve) => emulator.edge.once('login', resolve));
    const again = await loginOpen(restored);
    assert.equal(again.updates.some((u) => u.qr), false);
    // The edge_routing of the first login came back in the ED intro of this one.
    assert.equal((await login).routingInfo?.toString('hex'), '0808080d');
  });

  it('ends with 408 "QR refs attempts ended" when nobody scans', async () => {
    await emulator.close();
    emulator = await startEmulator({ qrRefs: 2 });
    const client = open(memoryAuth(), { qrTimeout: 30 });
    const { statusCode, message } = await client.closed();
    assert.equal(statusCode, DisconnectReason.timedOut);
    assert.equal(message, 'QR refs attempts ended');
    assert.equal(client.updates.filter((u) => u.qr).length, 2);
  });

  it('refuses a stale QR and one whose keys do not match the device', async () => {
    const client = open(memoryAuth());
    const { qr } = await client.until((u) => Boolean(u.qr));
    const [head, , identity, adv, platform] = qr!.split(',');
    const forged = [head, identity, identity, adv, platform].join(',');
    await assert.rejects(emulator.phone.scanQr(forged), { code: 'BAD_QR' });
    await assert.rejects(emulator.phone.scanQr(qr!.replace('#2@', '#2@x')), { code: 'STALE_QR' });
    client.sock.end(undefined);
    await client.closed();
    await assert.rejects(emulator.phone.scanQr(qr!), { code: 'STALE_QR' });
  });
});

describe('pairing code linking', () => {
  const PHONE = '15550109999';

  it('refuses a wrong code, then links with the right one', async () => {
    const auth = memoryAuth();
    const client = open(auth);
    await client.until((u) => Boolean(u.qr));
    const code = await client.sock.requestPairingCode(PHONE);
    assert.match(code, /^[0-9A-Z]{8}$/);
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    await assert.rejects(emulator.phone.enterCode(wrong, PHONE), { code: 'WRONG_CODE' });
    assert.equal(emulator.phone.devices(PHONE).length, 0);

    const linked = await emulator.phone.enterCode(`${code.slice(0, 4)}-${code.slice(4)}`, PHONE);
    assert.equal(linked.jid, `${PHONE}:1@s.whatsapp.net`);
    assert.equal(linked.method, 'pairing');
    assert.equal((await client.closed()).statusCode, DisconnectReason.restartRequired);
    await loginOpen(auth);
  });

  it('says so when no device is waiting for a code', async () => {
    await assert.rejects(emulator.phone.enterCode('ABCD1234'), { code: 'NO_PENDING_CODE' });
  });
});

describe('after linking', () => {
  it('the phone sends the initial sync: app-state keys and history arrive, no 20 s AwaitingInitialSync timeout', async () => {
    const auth = await linkWithQr();
    const started = Date.now();
    const client = open(auth);
    const history = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no history sync within 15 s')), 15_000);
      client.sock.ev.on('messaging-history.set', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    await client.until((u) => u.connection === 'open');
    const ms = await history;
    // Baileys' own wait is 20 s; the sync must end it, not the timer.
    assert.ok(ms < 10_000, `history after ${ms} ms`);
    assert.equal(typeof auth.state.creds.myAppStateKeyId, 'string', 'app-state sync key received');
    assert.equal(auth.state.creds.accountSyncCounter, 1);
    assert.deepEqual(client.warnings.filter((w) => /AwaitingInitialSync/.test(w)), []);
    // A later login skips the wait (accountSyncCounter > 0) and gets no second sync.
    client.sock.end(undefined);
    await client.closed();
    const again = await loginOpen(auth);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(auth.state.creds.accountSyncCounter, 1);
    assert.deepEqual(again.warnings.filter((w) => /AwaitingInitialSync/.test(w)), []);
  });

  it('logout from the companion removes the device; its creds then get 401', async () => {
    const auth = await linkWithQr();
    const client = await loginOpen(auth);
    await client.sock.logout();
    assert.equal((await client.closed()).statusCode, DisconnectReason.loggedOut);
    assert.equal(emulator.phone.devices().length, 0);
    const after = open(auth);
    assert.equal((await after.closed()).statusCode, DisconnectReason.loggedOut);
  });

  it('unlink from the phone closes the live session with 401 device_removed', async () => {
    const auth = await linkWithQr();
    const client = await loginOpen(auth);
    await emulator.phone.unlink(auth.state.creds.me!.id);
    const { statusCode } = await client.closed();
    assert.equal(statusCode, DisconnectReason.loggedOut);
    const lastError = client.updates.at(-1)?.lastDisconnect?.error as { data?: { attrs?: { type?: string } } };
    assert.equal(lastError.data?.attrs?.type, 'device_removed');
  });

  it('a second connection for the same device replaces the first (440)', async () => {
    const auth = await linkWithQr();
    const first = await loginOpen(auth);
    const jid = auth.state.creds.me!.id;
    assert.deepEqual(emulator.logins.stats().devices[jid], { logins: 1, concurrent: 0 });
    await loginOpen(auth);
    assert.equal((await first.closed()).statusCode, DisconnectReason.connectionReplaced);
    // Counted, and served over HTTP (a cluster test asserts it stays 0).
    const stats = (await (await fetch(`${emulator.controlUrl}/phone/logins`)).json()) as { devices: Record<string, unknown> };
    assert.deepEqual(stats.devices[jid], { logins: 2, concurrent: 1 });
  });

  it('a rejected login fails with the given reason', async () => {
    const auth = await linkWithQr();
    emulator.phone.rejectLogin(undefined, 403);
    assert.equal((await open(auth).closed()).statusCode, 403);
    emulator.phone.acceptLogin();
    await loginOpen(auth);
  });

  it('a restarted emulator with persisted state still knows the device; without it, 401', async () => {
    let saved: string | null = null;
    await emulator.close();
    emulator = await startEmulator({ persistence: { load: () => saved, save: (state) => (saved = state) } });
    trustEmulatorRoot(emulator.rootPublicKey, () => {});
    const auth = await linkWithQr();
    assert.ok(saved, 'linking was persisted');
    await emulator.close();

    emulator = await startEmulator({ persistence: { load: () => saved, save: (state) => (saved = state) } });
    trustEmulatorRoot(emulator.rootPublicKey, () => {});
    await loginOpen(auth);
    assert.equal(emulator.phone.devices().length, 1);
    await emulator.close();

    emulator = await startEmulator();
    trustEmulatorRoot(emulator.rootPublicKey, () => {});
    assert.equal((await open(auth).closed()).statusCode, DisconnectReason.loggedOut);
  });

  it('acks a sent message so sendMessage resolves', async () => {
    const auth = await linkWithQr();
    const client = await loginOpen(auth);
    const seen = new Promise((resolve) => emulator.edge.once('message', resolve));
    const sent = await client.sock.sendMessage('15550107777@s.whatsapp.net', { text: 'hello' });
    assert.ok(sent?.key.id);
    assert.deepEqual(await seen, { from: auth.state.creds.me!.id, to: '15550107777@s.whatsapp.net', id: sent.key.id });
  });
});

describe('WhatsApp unreachable', () => {
  it('offline drops live connections and resets new ones; online again opens', async () => {
    const auth = await linkWithQr();
    const client = await loginOpen(auth);
    emulator.phone.goOffline();
    assert.equal((await client.closed()).statusCode, DisconnectReason.connectionClosed);
    const refused = await open(auth).closed();
    assert.ok(/WebSocket Error/.test(refused.message ?? ''), refused.message);
    emulator.phone.goOnline();
    await loginOpen(auth);
  });

  it('a stopped emulator gives a connection error', async () => {
    const auth = memoryAuth();
    await emulator.close();
    const { message } = await open(auth).closed();
    assert.match(message ?? '', /ECONNREFUSED/);
    emulator = await startEmulator();
  });
});
