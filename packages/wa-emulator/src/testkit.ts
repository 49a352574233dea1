// Test support: an unmodified Baileys client with in-memory auth, pointed at an emulator.
// Exported as `@titan-connect/wa-emulator/testkit` for tests of code that drives Baileys.
import makeWASocket, { Browsers, initAuthCreds, BufferJSON } from 'baileys';
import type { AuthenticationState, ConnectionState, SignalDataTypeMap, WAMessage, WAMessageUpdate, WASocket } from 'baileys';

export interface MemoryAuth {
  state: AuthenticationState;
  /** Deep copy of creds + keys, as a store would have written them. */
  snapshot(): string;
}

export const memoryAuth = (): MemoryAuth => {
  const creds = initAuthCreds();
  const keys: Record<string, Record<string, unknown>> = {};
  const state: AuthenticationState = {
    creds,
    keys: {
      get: async (type, ids) => {
        const bucket = keys[type] ?? {};
        const out: Record<string, unknown> = {};
        for (const id of ids) if (bucket[id] !== undefined) out[id] = bucket[id];
        return out as { [id: string]: SignalDataTypeMap[typeof type] };
      },
      set: async (data) => {
        for (const [type, entries] of Object.entries(data)) {
          const bucket = (keys[type] ??= {});
          for (const [id, value] of Object.entries(entries ?? {})) {
            if (value === null || value === undefined) delete bucket[id];
            else bucket[id] = value;
          }
        }
      },
    },
  };
  return { state, snapshot: () => JSON.stringify({ creds, keys }, BufferJSON.replacer) };
};

const noop = (): void => {};
const verbose = process.env.WA_EMULATOR_DEBUG === '1';
/** Baileys' logger: silent unless WA_EMULATOR_DEBUG=1, but warnings are always kept in `warnings`. */
const makeLogger = (warnings: string[]): any => {
  const print = (level: string) => (verbose ? (...args: unknown[]) => console.log(`[baileys ${level}]`, ...args) : noop);
  const keep = (level: string) => (...args: unknown[]) => {
    warnings.push(args.map((a) => (typeof a === 'string' ? a : '')).join(' ').trim());
    print(level)(...args);
  };
  const log = (level: string) => (level === 'warn' || level === 'error' ? keep(level) : print(level));
  const logger = {
    level: verbose ? 'debug' : 'silent',
    child: () => logger,
    trace: noop,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
  };
  return logger;
};

export interface Client {
  sock: WASocket;
  /** Every `connection.update`, in order. */
  updates: Partial<ConnectionState>[];
  /** The message of every warning and error Baileys logged. */
  warnings: string[];
  /** Resolves with the first update matching `predicate` (already seen ones count). */
  until(predicate: (u: Partial<ConnectionState>) => boolean, timeoutMs?: number): Promise<Partial<ConnectionState>>;
  /** Every message of a `messages.upsert` of type `notify` (what just arrived), in order. */
  received: WAMessage[];
  /** Every `messages.update` entry (e.g. receipts of the client's own messages), in order. */
  messageUpdates: WAMessageUpdate[];
  /** Resolves once `check` holds (checked on every event and now); rejects after `timeoutMs`. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Resolves with the close update and its status code. */
  closed(timeoutMs?: number): Promise<{ statusCode: number | undefined; message: string | undefined }>;
}

export const connect = (url: string, auth: MemoryAuth, extra: Record<string, unknown> = {}): Client => {
  const warnings: string[] = [];
  const sock = makeWASocket({
    waWebSocketUrl: url,
    auth: auth.state,
    logger: makeLogger(warnings),
    browser: Browsers.macOS('Chrome'),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    connectTimeoutMs: 5_000,
    ...extra,
  });
  const updates: Partial<ConnectionState>[] = [];
  const waiters = new Set<() => void>();
  sock.ev.on('connection.update', (update) => {
    updates.push(update);
    for (const w of [...waiters]) w();
  });
  sock.ev.on('creds.update', () => {});
  const received: WAMessage[] = [];
  const messageUpdates: WAMessageUpdate[] = [];
  sock.ev.on('messages.upsert', ({ type, messages }) => {
    if (type === 'notify') received.push(...messages);
    for (const w of [...waiters]) w();
  });
  sock.ev.on('messages.update', (updates) => {
    messageUpdates.push(...updates);
    for (const w of [...waiters]) w();
  });
  const waitFor: Client['waitFor'] = (check, timeoutMs = 8_000) =>
    new Promise((resolve, reject) => {
      const tick = (): void => {
        const hit = check();
        if (!hit) return;
        waiters.delete(tick);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(tick);
        reject(new Error(`timed out; received ${received.length} messages, ${messageUpdates.length} updates`));
      }, timeoutMs);
      waiters.add(tick);
      tick();
    });
  const until: Client['until'] = (predicate, timeoutMs = 8_000) =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = updates.find(predicate);
        if (hit) {
          waiters.delete(tick);
          clearTimeout(timer);
          resolve(hit);
        }
        return Boolean(hit);
      };
      const tick = (): void => void check();
      const timer = setTimeout(() => {
        waiters.delete(tick);
        reject(new Error(`timed out; updates: ${JSON.stringify(updates.map((u) => ({ ...u, lastDisconnect: u.lastDisconnect?.error?.message })))}`));
      }, timeoutMs);
      if (!check()) waiters.add(tick);
    });
  const closed: Client['closed'] = async (timeoutMs) => {
    const update = await until((u) => u.connection === 'close', timeoutMs);
    const error = update.lastDisconnect?.error as { output?: { statusCode?: number }; message?: string } | undefined;
    return { statusCode: error?.output?.statusCode, message: error?.message };
  };
  return { sock, updates, warnings, until, closed, received, messageUpdates, waitFor };
};
