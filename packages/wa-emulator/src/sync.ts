// The phone's initial sync to a newly linked companion, as WhatsApp's phone sends it: the
// app-state sync keys, then a history-sync notification (INITIAL_BOOTSTRAP, inline payload,
// nothing in it). Both are Signal messages from the phone (device 0) to the companion, encrypted
// with the pre-keys the companion just uploaded. Without them Baileys waits 20 s in
// AwaitingInitialSync before it delivers any event (see `chats.ts`), so every link measured
// against the emulator would include a timeout no real link has.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { DEFAULT_CONNECTION_CONFIG, encodeWAMessage, parseAndInjectE2ESessions, proto } from 'baileys';
import type { KeyPair, SignalCreds, SignalDataTypeMap, SignalKeyStoreWithTransaction } from 'baileys';
import { node } from './binary.js';
import type { BinaryNode } from './binary.js';
import { generateKeyPair, useNativeCurveInLibsignal } from './curve.js';
import type { Account, Device } from './registry.js';

export type Repository = ReturnType<NonNullable<typeof DEFAULT_CONNECTION_CONFIG.makeSignalRepository>>;

const silent: any = { level: 'silent', child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

/**
 * An in-memory Signal key store (a party's sessions) whose transactions are queued per key
 * (a jid): an encryption's load, ratchet and store never interleave with another's for the same
 * device. Not Baileys' `addTransactionCapability`: its AsyncLocalStorage, once entered, stays
 * on in Node 20 and taxes every later promise of the process, once per store ever made.
 * The repository never nests transactions, so a plain queue cannot deadlock.
 */
export const memoryKeys = (): SignalKeyStoreWithTransaction => {
  const data: Record<string, Record<string, unknown>> = {};
  const queues = new Map<string, Promise<unknown>>();
  return {
    get: async (type, ids) => {
      const bucket = data[type] ?? {};
      const out: Record<string, unknown> = {};
      for (const id of ids) if (bucket[id] !== undefined) out[id] = bucket[id];
      return out as { [id: string]: SignalDataTypeMap[typeof type] };
    },
    set: async (entries) => {
      for (const [type, values] of Object.entries(entries)) {
        const bucket = (data[type] ??= {});
        for (const [id, value] of Object.entries(values ?? {})) {
          if (value === null || value === undefined) delete bucket[id];
          else bucket[id] = value;
        }
      }
    },
    isInTransaction: () => false,
    transaction: (work, key) => {
      const run = (queues.get(key) ?? Promise.resolve()).then(() => work());
      const settled = run.catch(() => {});
      queues.set(key, settled);
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return run;
    },
  };
};

/** 14 random bits, as Baileys' `generateRegistrationId`. */
const registrationId = (): number => randomBytes(2).readUInt16LE() & 16383;

/**
 * A Signal party in memory that only ever encrypts (the phone to its companion, a contact to a
 * linked device): its identity key pair (fresh, or the given one), a registration id, and its
 * sessions. It never decrypts, so it has no signed pre-key to serve; Baileys' `initAuthCreds`
 * would make (and sign, ~12 ms in curve25519-js) one for nothing.
 */
export const signalRepository = (identity: KeyPair = generateKeyPair()): Repository => {
  useNativeCurveInLibsignal();
  const creds: SignalCreds = {
    signedIdentityKey: identity,
    registrationId: registrationId(),
    get signedPreKey(): never {
      throw new Error('an emulated Signal party only encrypts: it has no signed pre-key');
    },
  };
  return DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys: memoryKeys() }, silent);
};

const appStateKeyShare = (): proto.IMessage => ({
  protocolMessage: {
    type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
    appStateSyncKeyShare: {
      keys: [
        {
          keyId: { keyId: randomBytes(6) },
          keyData: {
            keyData: randomBytes(32),
            fingerprint: { rawId: randomBytes(4).readUInt32BE(), currentIndex: 0, deviceIndexes: [0] },
            timestamp: Date.now(),
          },
        },
      ],
    },
  },
});

const historyNotification = (): proto.IMessage => {
  const history = proto.HistorySync.encode({
    syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
    conversations: [],
    pushnames: [],
    progress: 100,
    chunkOrder: 0,
  }).finish();
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
        // Inline, as WhatsApp does for the bootstrap chunk: nothing to download from a media host.
        initialHistBootstrapInlinePayload: deflateSync(history),
        chunkOrder: 0,
        progress: 100,
      },
    },
  };
};

/**
 * The `<message>` nodes the phone sends a companion after its first login: app-state keys, then
 * the history-sync notification. `bundle` is a key-fetch answer (`Messaging.takeBundle`).
 */
export const initialSyncMessages = async (account: Account, device: Device, bundle: BinaryNode): Promise<BinaryNode[]> => {
  // The phone's Signal side for this sync only: the phone sends nothing else encrypted, and a
  // repository per account would hold every companion session for good.
  const repository = signalRepository(account.identity);
  await parseAndInjectE2ESessions(bundle, repository);
  const phoneJid = `${account.phoneNumber}@s.whatsapp.net`;
  const out: BinaryNode[] = [];
  for (const message of [appStateKeyShare(), historyNotification()]) {
    const { type, ciphertext } = await repository.encryptMessage({ jid: device.jid, data: encodeWAMessage(message) });
    out.push(
      node(
        'message',
        { from: phoneJid, id: randomBytes(10).toString('hex').toUpperCase(), type: 'text', category: 'peer', t: String(Math.floor(Date.now() / 1000)) },
        [node('enc', { v: '2', type }, Buffer.from(ciphertext))],
      ),
    );
  }
  return out;
};
