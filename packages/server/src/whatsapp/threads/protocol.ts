// What the main thread and a session thread say to each other (threaded-engine.ts, socket-thread.ts).
import type { SocketConfig } from 'baileys';
import type { BackoffPolicy } from '../baileys/disconnect.js';
import type { WireError } from './port-rpc.js';

/** The engine commands a thread runs for a session, with the session key first. */
export type EngineCommand = 'start' | 'requestPairingCode' | 'restartQr' | 'logout' | 'stop' | 'sendText';

/** The `AuthStateStore` methods a thread may call on the main thread's store. */
export const STORE_METHODS = ['getSetting', 'setSetting', 'deleteSetting', 'readCreds', 'writeCreds', 'readKeys', 'writeKeys', 'hasAuthState', 'deleteAuthState'] as const;

/**
 * A command's outcome, with whether the session runs on the thread afterwards. Events carry the
 * same flag and the number of the last command the thread had seen for the session, so the main
 * thread's `isRunning` follows the thread without a late event undoing a newer command.
 */
export interface CommandResult {
  value?: unknown;
  error?: WireError;
  running: boolean;
}

/** How a thread builds its engine (`workerData`; structured-clone data only). */
export interface ThreadData {
  kind: 'baileys' | 'emulated';
  /** Passed to every socket (e.g. `waWebSocketUrl`, `qrTimeout`). */
  socketOptions: Partial<Pick<SocketConfig, 'waWebSocketUrl' | 'qrTimeout' | 'connectTimeoutMs'>>;
  connectTimeoutMs?: number;
  /** Reconnect back-off (tests shorten it). */
  backoff?: Partial<BackoffPolicy>;
  /** Emulated: no WhatsApp Web version fetch. */
  offline: boolean;
  /** Emulated: the emulator's root public key (hex), which this thread's Baileys must trust. */
  emulatorRootKey?: string;
  /**
   * The store seals auth state at rest (store/sealed-auth-state.ts): the thread seals and opens
   * with this secret itself, and the main thread only moves sealed text.
   */
  authStateSecret?: string;
  /** Sockets ask the main thread's admission gate for their turn. */
  admission: boolean;
  log: { level: string; bindings: Record<string, unknown> };
}

/** What a thread says of itself (`stats`). */
export interface ThreadStats {
  heapUsed: number;
  /** Its nice value, lowered below the main thread's (priority.ts); null where that is not per thread. */
  nice: number | null;
  /** Whether this thread's copy of Baileys has the curve guard (SECURITY.md). */
  curveGuard: boolean;
}
