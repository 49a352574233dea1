// The LinkingEngine contract as a table of scenarios any engine must pass. Each engine's test
// file calls `runEngineContract` with a factory; the virtual phone plays the user's side.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore, type Store } from '../../store/index.js';
import { EngineError, HttpError } from '../../errors.js';
import { toHttpError } from '../../middleware/error-handler.js';
import { type EngineEvent, type LinkingEngine, type SessionKey, VIRTUAL_CONTACT } from '../engine.js';

/** Makes an engine over `store`; called twice in restart scenarios (same store, new engine). */
export type EngineFactory = (store: Store) => LinkingEngine | Promise<LinkingEngine>;

export interface ContractOptions {
  /** How long to wait for one engine event. */
  eventTimeoutMs?: number;
}

type EventOf<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

/** Records every event of an engine and waits for the next one of a type. */
export class EventLog {
  readonly events: EngineEvent[] = [];
  private waiters: { test: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  readonly unsubscribe: () => void;

  constructor(engine: LinkingEngine, private readonly timeoutMs = 5_000) {
    this.unsubscribe = engine.subscribe((event) => {
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => (w.test(event) ? (w.resolve(event), false) : true));
    });
  }

  /** Resolves with the first event of `type` (seen already or still to come) that passes `where`. */
  next<T extends EngineEvent['type']>(type: T, where: (event: EventOf<T>) => boolean = () => true): Promise<EventOf<T>> {
    const matches = (e: EngineEvent): boolean => e.type === type && where(e as EventOf<T>);
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen as EventOf<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" event within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiters.push({
        test: matches,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as EventOf<T>);
        },
      });
    });
  }
}

const QR_SHAPE = /^https:\/\/wa\.me\/settings\/linked_devices#[^,]+,[A-Za-z0-9+/]+=*,[A-Za-z0-9+/]+=*,[A-Za-z0-9+/]+=*,\d+$/;
const PAIRING_CODE_SHAPE = /^[1-9A-HJ-NP-TV-Z]{8}$/;

const rejectsWith = async (promise: Promise<unknown>, status: number, code?: string) => {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof EngineError || err instanceof HttpError, `expected EngineError, got ${String(err)}`);
    // The status the client would get: what the error handler makes of it.
    const http = toHttpError(err);
    assert.equal(http.status, status);
    if (code) assert.equal(http.code, code);
    return true;
  });
};

interface Ctx {
  store: Store;
  engine: LinkingEngine;
  log: EventLog;
  key: SessionKey;
  /** A second engine on the same store (a server restart). */
  restart(): Promise<{ engine: LinkingEngine; log: EventLog }>;
}

type Scenario = [name: string, run: (ctx: Ctx) => Promise<void>];

const SCENARIOS: Scenario[] = [
  ['start emits a QR of the baileys 7 shape, first of 6, living about 60 s', async ({ engine, log, key }) => {
    await engine.start(key);
    const qr = await log.next('qr');
    assert.match(qr.qr, QR_SHAPE);
    assert.deepEqual(qr.key, key);
    assert.equal(qr.attempt, 1);
    assert.equal(qr.maxAttempts, 6);
    assert.ok(qr.expiresAt > Date.now() - 1000);
    assert.equal(engine.isRunning(key), true);
  }],
  ['start is idempotent: a second call does not begin a second QR cycle', async ({ engine, log, key }) => {
    await engine.start(key);
    await log.next('qr');
    await engine.start(key);
    assert.equal(log.events.filter((e) => e.type === 'qr').length, 1);
  }],
  ['scanning the current QR links the session by QR and stores credentials', async ({ engine, log, key, store }) => {
    await engine.start(key);
    const qr = await log.next('qr');
    assert.deepEqual(await engine.virtualPhone!.scan(qr.qr), key);
    const connected = await log.next('connected');
    assert.equal(connected.method, 'qr');
    assert.match(connected.phone ?? '', /^\d{8,15}$/);
    assert.equal(await store.hasAuthState({ tenantId: key.tenantId, sessionName: key.name }), true);
    assert.match(await engine.sendText(key, '5511912345678', 'hi'), /\S/);
  }],
  ['an unknown QR gets 400', async ({ engine, log, key }) => {
    await engine.start(key);
    const qr = await log.next('qr');
    await rejectsWith(engine.virtualPhone!.scan(qr.qr.replace('#', '#9')), 400);
  }],
  ['a pairing code links the session with the requested number', async ({ engine, log, key }) => {
    await engine.start(key);
    await log.next('qr');
    await engine.requestPairingCode(key, '5511912345678');
    const pairing = await log.next('pairing_code');
    assert.match(pairing.code, PAIRING_CODE_SHAPE);
    assert.equal(pairing.phoneNumber, '5511912345678');
    assert.ok(pairing.expiresAt > Date.now());
    // The phone accepts the code as shown (XXXX-XXXX) too.
    await engine.virtualPhone!.enterCode(`${pairing.code.slice(0, 4)}-${pairing.code.slice(4)}`);
    const connected = await log.next('connected');
    assert.equal(connected.method, 'pairing');
    assert.equal(connected.phone, '5511912345678');
  }],
  ['a wrong pairing code gets 400', async ({ engine, log, key }) => {
    await engine.start(key, { pairingPhoneNumber: '5511912345678' });
    const pairing = await log.next('pairing_code');
    const wrong = pairing.code.startsWith('A') ? `B${pairing.code.slice(1)}` : `A${pairing.code.slice(1)}`;
    await rejectsWith(engine.virtualPhone!.enterCode(wrong), 400);
  }],
  ['sendText on a session that is not connected gets 409 SESSION_NOT_CONNECTED', async ({ engine, log, key }) => {
    await rejectsWith(engine.sendText(key, '5511912345678', 'hi'), 409, 'SESSION_NOT_CONNECTED');
    await engine.start(key);
    await log.next('qr');
    await rejectsWith(engine.sendText(key, '5511912345678', 'hi'), 409, 'SESSION_NOT_CONNECTED');
  }],
  ['a linked session reconnects from stored credentials after a restart, without a QR', async ({ engine, log, key, restart }) => {
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    const before = await log.next('connected');
    await engine.close();
    const second = await restart();
    await second.engine.start(key);
    const after = await second.log.next('connected');
    assert.equal(after.phone, before.phone);
    assert.equal(second.log.events.some((e) => e.type === 'qr'), false);
    await second.engine.sendText(key, '5511912345678', 'still here');
  }],
  ['a contact writes on the virtual phone: the session reports the message, its text and sender', async ({ engine, log, key }) => {
    await rejectsWith(engine.virtualPhone!.sendMessage(key, 'nobody home'), 409, 'SESSION_NOT_CONNECTED');
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    const before = Date.now();
    const id = await engine.virtualPhone!.sendMessage(key, 'hello from the phone');
    const { message } = await log.next('message');
    assert.deepEqual(message, { id, from: VIRTUAL_CONTACT, type: 'text', text: 'hello from the phone', timestamp: message.timestamp });
    // WhatsApp's timestamps are whole seconds.
    assert.ok(message.timestamp >= Math.floor(before / 1000) * 1000 && message.timestamp <= Date.now() + 1000);
    await engine.virtualPhone!.sendMessage(key, 'from someone else', '5511955554444');
    assert.equal((await log.next('message', (e) => e.message.text === 'from someone else')).message.from, '5511955554444');
  }],
  ['sendText resolves to the id its acks name: delivered, then read', async ({ engine, log, key }) => {
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    const id = await engine.sendText(key, VIRTUAL_CONTACT, 'hello back');
    await log.next('message_status', (e) => e.id === id && e.status === 'read');
    assert.deepEqual(
      log.events.filter((e) => e.type === 'message_status').map((e) => [e.key, e.id, e.status]),
      [
        [key, id, 'delivered'],
        [key, id, 'read'],
      ],
    );
  }],
  ['logout deletes the credentials and stops the session', async ({ engine, log, key, store }) => {
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    await engine.logout(key);
    assert.equal(await store.hasAuthState({ tenantId: key.tenantId, sessionName: key.name }), false);
    assert.equal(engine.isRunning(key), false);
    await rejectsWith(engine.sendText(key, '5511912345678', 'hi'), 409, 'SESSION_NOT_CONNECTED');
  }],
  ['stop keeps the credentials and emits nothing more', async ({ engine, log, key, store }) => {
    await engine.start(key);
    await engine.virtualPhone!.scan((await log.next('qr')).qr);
    await log.next('connected');
    const seen = log.events.length;
    await engine.stop(key);
    assert.equal(engine.isRunning(key), false);
    assert.equal(await store.hasAuthState({ tenantId: key.tenantId, sessionName: key.name }), true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(log.events.length, seen);
  }],
  ['events of one session never name another', async ({ engine, log, key }) => {
    const other = { tenantId: key.tenantId, name: `${key.name}-other` };
    await engine.start(key);
    await engine.start(other);
    const otherQr = await log.next('qr', (e) => e.key.name === other.name);
    await engine.virtualPhone!.scan(otherQr.qr);
    const connected = await log.next('connected');
    assert.equal(connected.key.name, other.name);
    assert.equal(engine.isRunning(key), true);
  }],
];

/** Registers the contract as a `describe` block of one test per scenario. */
export function runEngineContract(label: string, makeEngine: EngineFactory, options: ContractOptions = {}): void {
  describe(`LinkingEngine contract: ${label}`, () => {
    for (const [name, run] of SCENARIOS) {
      test(name, async () => {
        const store = new SqliteStore(':memory:');
        const engines: LinkingEngine[] = [];
        const make = async () => {
          const engine = await makeEngine(store);
          engines.push(engine);
          return { engine, log: new EventLog(engine, options.eventTimeoutMs) };
        };
        try {
          const { engine, log } = await make();
          await run({ store, engine, log, key: { tenantId: 'default', name: 'contract' }, restart: make });
        } finally {
          for (const engine of engines) await engine.close();
          await store.close();
        }
      });
    }
  });
}
