// WhatsApp's memory across emulator restarts: the CA and server keys, every account (with the
// phone's identity key) and linked device, as one JSON document in a store the host provides.
import type { KeyPair } from 'baileys';
import { CertificateAuthority } from './certs.js';
import type { Registry, SavedAccount } from './registry.js';

export interface EdgePersistence {
  load(): string | null;
  save(state: string): void;
}

interface SavedKeys {
  private: string;
  public: string;
}

interface SavedEdge {
  version: 1;
  root: SavedKeys;
  intermediate: SavedKeys;
  serverStatic: SavedKeys;
  accounts: SavedAccount[];
}

const saveKeys = (k: KeyPair): SavedKeys => ({
  private: Buffer.from(k.private).toString('base64'),
  public: Buffer.from(k.public).toString('base64'),
});
const loadKeys = (k: SavedKeys): KeyPair => ({ private: Buffer.from(k.private, 'base64'), public: Buffer.from(k.public, 'base64') });

export const loadEdgeState = (
  persistence: EdgePersistence,
): { ca: CertificateAuthority; serverStatic: KeyPair; accounts: SavedAccount[] } | null => {
  const text = persistence.load();
  if (!text) return null;
  const saved = JSON.parse(text) as SavedEdge;
  if (saved.version !== 1) return null;
  return {
    ca: new CertificateAuthority(loadKeys(saved.root), loadKeys(saved.intermediate)),
    serverStatic: loadKeys(saved.serverStatic),
    accounts: saved.accounts,
  };
};

export const saveEdgeState = (persistence: EdgePersistence, ca: CertificateAuthority, serverStatic: KeyPair, registry: Registry): void => {
  const state: SavedEdge = {
    version: 1,
    root: saveKeys(ca.root),
    intermediate: saveKeys(ca.intermediate),
    serverStatic: saveKeys(serverStatic),
    accounts: registry.serialize(),
  };
  persistence.save(JSON.stringify(state));
};
