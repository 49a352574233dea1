import type {
  ApiScope,
  LinkMethod,
  LinkPhase,
  SessionStatus,
  StatusReason,
  WidgetMode,
} from '@titan-connect/protocol';

export interface ApiKeyRecord {
  /** The public part of `titan_sk_<id>_<secret>`. */
  id: string;
  tenantId: string;
  /** `sha256:<hex>` of the secret part (high-entropy, so a fast hash is enough: see api-keys.ts). */
  secretHash: string;
  scopes: ApiScope[];
  label: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A customer's own Meta app (BYOA). `appSecretEnc` is AES-256-GCM ciphertext, never plain. */
export interface StoredMetaApp {
  appId: string;
  configId: string;
  appSecretEnc: string | null;
}

export interface WidgetSessionRecord {
  id: string;
  tenantId: string;
  sessionName: string;
  mode: WidgetMode;
  callbackUrl: string | null;
  allowedOrigins: string[];
  locale: string | null;
  metaApp: StoredMetaApp | null;
  createdAt: number;
  expiresAt: number;
  /** Where the linking is; `idle` until the widget first asks for it. */
  phase: LinkPhase;
  /** The linking snapshot (current QR, pairing code, result), as JSON the linking layer owns. */
  linkState: string | null;
  /** Last SSE event id handed out for this widget session, so ids keep increasing across restarts. */
  lastEventId: number;
}

export interface WaSessionRecord {
  tenantId: string;
  name: string;
  status: SessionStatus;
  statusReason: StatusReason | null;
  method: LinkMethod | null;
  phone: string | null;
  pushName: string | null;
  /** Cloud API sessions: WABA id, phone number id, encrypted business token (JSON). */
  cloudApi: string | null;
  createdAt: number;
  updatedAt: number;
}

export type WaSessionPatch = Partial<Omit<WaSessionRecord, 'tenantId' | 'name' | 'createdAt'>>;
export type WidgetSessionPatch = Partial<Pick<WidgetSessionRecord, 'phase' | 'linkState' | 'lastEventId'>>;

/** Where a WhatsApp session's Baileys auth state lives. */
export interface AuthStateKey {
  tenantId: string;
  sessionName: string;
}
