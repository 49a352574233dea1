// The phone's initial sync to a newly linked companion, as WhatsApp's phone sends it: the
// app-state sync keys, then a history-sync notification (INITIAL_BOOTSTRAP, inline payload,
// nothing in it). Both are Signal messages from the phone (device 0) to the companion, encrypted
// with the pre-keys the companion just uploaded. Without them Baileys waits 20 s in
// AwaitingInitialSync before it delivers any event (see `chats.ts`), so every link measured
// against the emulator would include a timeout no real link has.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  addTransactionCapability,
  DEFAULT_CONNECTION_CONFIG,
  encodeWAMessage,
  initAuthCreds,
  parseAndInjectE2ESessions,
  proto,
} from 'baileys';
import type { AuthenticationCreds, SignalDataTypeMap, SignalKeyStore } from 'baileys';
import { getBinaryNodeChild, getBinaryNodeChildren, node } from './binary.js';
import type { BinaryNode } from './binary.js';
import type { Account, Device } from './registry.js';

type Repository = ReturnType<NonNullable<typeof DEFAULT_CONNECTION_CONFIG.makeSignalRepository>>;

const silent: any = { level: 'silent', child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

/** An in-memory Signal key store (the phone's sessions with its companions). */
const memoryKeys = (): SignalKeyStore => {
  const data: Record<string, Record<string, unknown>> = {};
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
  };
};

/**
 * The phone's Signal side for one initial sync. Not kept: the phone sends nothing else
 * encrypted, and a repository per account would hold every companion session for good.
 */
const phoneSignal = (account: Account): Repository => {
  const creds: AuthenticationCreds = { ...initAuthCreds(), signedIdentityKey: account.identity };
  const keys = addTransactionCapability(memoryKeys(), silent, { maxCommitRetries: 1, delayBetweenTriesMs: 0 });
  return DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys }, silent);
};

/**
 * The companion's pre-key bundle from its first upload (`<iq xmlns=encrypt type=set>`), in the
 * shape of a key-fetch answer, using the first one-time pre-key (the companion deletes it once a
 * message used it).
 */
export const bundleFromUpload = (upload: BinaryNode, companionJid: string): BinaryNode | null => {
  const [preKey] = getBinaryNodeChildren(getBinaryNodeChild(upload, 'list'), 'key');
  const parts = ['registration', 'identity', 'skey'].map((tag) => getBinaryNodeChild(upload, tag));
  if (!preKey || parts.some((part) => !part)) return null;
  return node('iq', {}, [node('list', {}, [node('user', { jid: companionJid }, [...(parts as BinaryNode[]), preKey])])]);
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
 * the history-sync notification. `bundle` is from `bundleFromUpload`.
 */
export const initialSyncMessages = async (account: Account, device: Device, bundle: BinaryNode): Promise<BinaryNode[]> => {
  const repository = phoneSignal(account);
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
