// A contact on the virtual phone writes to a linked number: the unmodified Baileys client
// decrypts the Signal message (a pkmsg built on the pre-keys it uploaded) and reports it; its
// own messages come back delivered, then read.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DisconnectReason, proto } from 'baileys';
import { DEFAULT_CONTACT, PhoneError, startEmulator, trustEmulatorRoot } from './index.js';
import type { WaEmulator } from './index.js';
import { connect, memoryAuth } from './testkit.js';
import type { Client } from './testkit.js';

let emulator: WaEmulator;
const clients: Client[] = [];

/** Links a client by QR and logs it in; resolves once the phone's initial sync went out. */
const linkedClient = async (phoneNumber?: string): Promise<{ client: Client; phone: string }> => {
  const auth = memoryAuth();
  const first = connect(emulator.url, auth);
  clients.push(first);
  const { qr } = await first.until((u) => Boolean(u.qr));
  const linked = await emulator.phone.scanQr(qr!, phoneNumber);
  assert.equal((await first.closed()).statusCode, DisconnectReason.restartRequired);
  const synced = new Promise((resolve) => emulator.edge.once('initial-sync', resolve));
  const client = connect(emulator.url, auth);
  clients.push(client);
  await client.until((u) => u.connection === 'open');
  await synced;
  return { client, phone: linked.phoneNumber };
};

const textOf = (m: { message?: proto.IMessage | null }) => m.message?.conversation ?? m.message?.extendedTextMessage?.text;

beforeEach(async () => {
  emulator = await startEmulator({ receiptDelays: { deliveredMs: 20, readMs: 60 } });
  trustEmulatorRoot(emulator.rootPublicKey, () => {});
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.sock.end(undefined);
  await emulator.close();
});

describe('a contact writes to a linked number', () => {
  it('reaches the device Signal-encrypted: Baileys decrypts it and reports it as a new message', { timeout: 30_000 }, async () => {
    const { client, phone } = await linkedClient();
    const sent = await emulator.phone.sendMessage(phone, 'hello from the phone');
    assert.equal(sent.from, DEFAULT_CONTACT);
    assert.equal(sent.devices.length, 1);
    const got = await client.waitFor(() => client.received.find((m) => m.key.id === sent.id));
    assert.equal(textOf(got), 'hello from the phone');
    assert.equal(got.key.remoteJid, `${DEFAULT_CONTACT}@s.whatsapp.net`);
    assert.equal(got.key.fromMe, false);
    assert.equal(client.warnings.filter((w) => /decrypt/i.test(w)).length, 0, client.warnings.join('\n'));

    // The same session carries the next ones; another contact builds its own.
    const again = await emulator.phone.sendMessage(phone, 'and again');
    const other = await emulator.phone.sendMessage(phone, 'a second contact', '5511955554444');
    await client.waitFor(() => client.received.some((m) => m.key.id === again.id) && client.received.some((m) => m.key.id === other.id));
    assert.deepEqual(
      client.received.filter((m) => m.key.id === again.id || m.key.id === other.id).map((m) => [m.key.remoteJid, textOf(m)]),
      [
        [`${DEFAULT_CONTACT}@s.whatsapp.net`, 'and again'],
        ['5511955554444@s.whatsapp.net', 'a second contact'],
      ],
    );
  });

  it('goes to every connected device of the number', { timeout: 40_000 }, async () => {
    const PHONE = '5511900001111';
    const one = await linkedClient(PHONE);
    const two = await linkedClient(PHONE);
    const sent = await emulator.phone.sendMessage(PHONE, 'to both');
    assert.equal(sent.devices.length, 2);
    for (const { client } of [one, two]) {
      const got = await client.waitFor(() => client.received.find((m) => m.key.id === sent.id));
      assert.equal(textOf(got), 'to both');
    }
  });

  it('refuses a number with no connected device', async () => {
    await assert.rejects(emulator.phone.sendMessage('5511900002222', 'anyone?'), (e: unknown) => e instanceof PhoneError && e.code === 'NOT_CONNECTED');
  });
});

describe('after an emulator restart (its memory saved)', () => {
  it('a contact still reaches the device, on a session built from the saved signed pre-key alone', { timeout: 40_000 }, async () => {
    let saved: string | null = null;
    const persistence = { load: () => saved, save: (state: string) => void (saved = state) };
    const first = await startEmulator({ persistence });
    trustEmulatorRoot(first.rootPublicKey, () => {});
    const auth = memoryAuth();
    let client = connect(first.url, auth);
    clients.push(client);
    const { qr } = await client.until((u) => Boolean(u.qr));
    const { phoneNumber } = await first.phone.scanQr(qr!);
    await client.closed();
    const synced = new Promise((resolve) => first.edge.once('initial-sync', resolve));
    client = connect(first.url, auth);
    clients.push(client);
    await client.until((u) => u.connection === 'open');
    await synced;
    await first.close();

    const second = await startEmulator({ persistence });
    try {
      client = connect(second.url, auth);
      clients.push(client);
      await client.until((u) => u.connection === 'open');
      const sent = await second.phone.sendMessage(phoneNumber, 'after the restart');
      const got = await client.waitFor(() => client.received.find((m) => m.key.id === sent.id));
      assert.equal(textOf(got), 'after the restart');
    } finally {
      await second.close();
    }
  });
});

describe('the linked device writes to a contact', () => {
  it('gets the server ack, then the delivery and read receipts (messages.update DELIVERY_ACK, READ)', { timeout: 30_000 }, async () => {
    const { client } = await linkedClient();
    const sent = await client.sock.sendMessage('5511987654321@s.whatsapp.net', { text: 'Olá' });
    const id = sent!.key.id!;
    const { Status } = proto.WebMessageInfo;
    await client.waitFor(() => client.messageUpdates.some((u) => u.key.id === id && u.update.status === Status.READ));
    // Baileys answered each receipt with an ack: the edge takes them without a fuss.
    assert.equal(client.updates.some((u) => u.connection === 'close'), false);
    assert.deepEqual(
      client.messageUpdates.filter((u) => u.key.id === id).map((u) => [u.key.fromMe, u.update.status]),
      [
        [true, Status.DELIVERY_ACK],
        [true, Status.READ],
      ],
    );
  });
});
