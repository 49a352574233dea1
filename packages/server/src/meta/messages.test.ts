import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { AppDeps } from '../deps.js';
import { EngineError } from '../errors.js';
import { toHttpError } from '../middleware/error-handler.js';
import { SecretBox } from '../secrets.js';
import type { WaSessionRecord } from '../store/types.js';
import { startFakeGraph, type FakeGraph } from '../test-support/fake-graph.js';
import type { StoredCloudApi } from './embedded-signup.js';
import { sendCloudApiText } from './messages.js';

const SECRET = 'titan-secret-for-cloud-api-send-tests-42';
let graph: FakeGraph;
before(async () => {
  graph = await startFakeGraph();
});
after(() => graph.close());
beforeEach(() => graph.reset());

const logLines: string[] = [];
const deps = (): AppDeps =>
  ({
    config: { secret: SECRET, meta: { graphUrl: graph.url, graphVersion: 'v21.0' } },
    logger: pino(new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) })),
  }) as unknown as AppDeps;

function cloudSession(overrides: Partial<StoredCloudApi> = {}, status: WaSessionRecord['status'] = 'CONNECTED'): WaSessionRecord {
  const stored: StoredCloudApi = {
    version: 1,
    appId: graph.options.appId,
    wabaId: graph.options.wabaId,
    phoneNumberId: graph.options.phoneNumberId,
    event: 'FINISH',
    businessTokenEnc: new SecretBox(SECRET).seal(graph.options.businessToken),
    pinEnc: null,
    displayPhoneNumber: null,
    verifiedName: null,
    ...overrides,
  };
  return {
    tenantId: 't1',
    name: 'shop-main',
    status,
    statusReason: null,
    method: 'cloud-api',
    phone: '15550104477',
    pushName: 'Acme',
    cloudApi: JSON.stringify(stored),
    createdAt: 0,
    updatedAt: 0,
  };
}

test('sendCloudApiText posts to the number with the opened business token and returns the id', async () => {
  const id = await sendCloudApiText(deps(), cloudSession(), '5511912345678', 'Your order shipped');
  assert.match(id, /^wamid\./);
  const [sent] = graph.requests;
  assert.equal(sent!.path, `/v21.0/${graph.options.phoneNumberId}/messages`);
  assert.equal(sent!.authorization, `Bearer ${graph.options.businessToken}`);
  assert.deepEqual(sent!.body, { messaging_product: 'whatsapp', to: '5511912345678', type: 'text', text: { body: 'Your order shipped' } });
});

test("a Graph error becomes 502 META_SEND_FAILED with Meta's message and no token in it or the log", async () => {
  graph.fail('send', { status: 400, error: { message: `Recipient not allowed (token ${graph.options.businessToken})`, type: 'OAuthException', code: 131030, fbtrace_id: 'x' } });
  const error = await sendCloudApiText(deps(), cloudSession(), '5511912345678', 'hi').catch((e: unknown) => e);
  assert.ok(error instanceof EngineError);
  assert.equal(toHttpError(error).status, 502);
  assert.equal(error.code, 'META_SEND_FAILED');
  assert.equal(error.message, 'Recipient not allowed (token [redacted])');
  assert.ok(logLines.length > 0 && logLines.every((l) => !l.includes(graph.options.businessToken)));
});

const NOT_SENDABLE: [string, () => WaSessionRecord, number, string][] = [
  ['a disconnected session', () => cloudSession({}, 'DISCONNECTED'), 409, 'SESSION_NOT_CONNECTED'],
  ['a session without Cloud API data', () => ({ ...cloudSession(), cloudApi: null }), 409, 'SESSION_NOT_CONNECTED'],
  ['a WABA-only session (no number)', () => cloudSession({ phoneNumberId: null }), 409, 'SESSION_NOT_CONNECTED'],
  ['a token sealed with another TITAN_SECRET', () => cloudSession({ businessTokenEnc: new SecretBox('other'.repeat(8)).seal('t') }), 500, 'INTERNAL_ERROR'],
];
for (const [name, session, status, code] of NOT_SENDABLE) {
  test(`${name} cannot send (${status} ${code}) and Meta is not called`, async () => {
    await assert.rejects(sendCloudApiText(deps(), session(), '5511912345678', 'hi'), (e: unknown) => e instanceof EngineError && toHttpError(e).status === status && e.code === code);
    assert.deepEqual(graph.requests, []);
  });
}
