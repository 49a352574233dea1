// `/webhooks/meta` through the whole app (real HTTP with supertest): Meta's challenge, signed
// deliveries from the platform app and from a customer's own app (BYOA), and what they publish.
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { StoredCloudApi } from '../meta/embedded-signup.js';
import { MAX_NUMBERS_PER_DELIVERY } from '../meta/inbound.js';
import { SecretBox } from '../secrets.js';
import { makeTestServer, TEST_SECRET, type TestServer } from '../test-support/server.js';
import type { WebhookEventDraft, WebhookPublisher } from '../webhooks/types.js';
import { META_WEBHOOK_BODY_LIMIT_BYTES } from './meta-webhooks.js';

const PLATFORM = { appId: '1111111111', appSecret: 'platform-app-secret-5f1c' };
const BYOA = { appId: '2222222222', appSecret: 'byoa-app-secret-3e9d' };
const VERIFY_TOKEN = 'verify-token-9d8c7b';
const box = new SecretBox(TEST_SECRET);

const sign = (body: string | Buffer, secret: string) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

/** A publisher that keeps what it is given (or fails, to show Meta gets a 500 and delivers again). */
function recordingPublisher() {
  const batches: WebhookEventDraft[][] = [];
  let failing = false;
  const publisher: WebhookPublisher = {
    async publish(events) {
      if (failing) throw new Error('outbox unavailable');
      batches.push([...events]);
    },
  };
  return { publisher, batches, fail: () => void (failing = true) };
}

/** A CONNECTED Cloud API session with `phoneNumberId`, stored as the finish would store it. */
async function cloudSession(server: TestServer, tenantId: string, name: string, phoneNumberId: string, app: { appId: string; appSecretEnc: string | null }) {
  const stored: StoredCloudApi = {
    version: 1,
    appId: app.appId,
    wabaId: `waba-${phoneNumberId}`,
    phoneNumberId,
    event: 'FINISH',
    businessTokenEnc: box.seal('EAAG-business-token'),
    pinEnc: null,
    appSecretEnc: app.appSecretEnc,
    displayPhoneNumber: '+1 555-0100',
    verifiedName: 'Shop',
  };
  await server.store.ensureWaSession(tenantId, name);
  await server.store.updateWaSession(tenantId, name, { status: 'CONNECTED', method: 'cloud-api', cloudApi: JSON.stringify(stored) });
}

/** `data` of a published message event (every one this route publishes has these). */
const dataOf = (draft: WebhookEventDraft) => draft.data as { session: string; id: string; text?: string };

/** A webhook body as Meta sends it: one entry, one `messages` change. */
const delivery = (phoneNumberId: string, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: `waba-${phoneNumberId}`, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550100', phone_number_id: phoneNumberId }, ...value } }] }],
});
const textFrom = (id: string, text: string) => ({ contacts: [{ wa_id: '16315551181', profile: { name: 'Ana' } }], messages: [{ from: '16315551181', id, timestamp: '1764590400', type: 'text', text: { body: text } }] });

let server: TestServer;
let recorded: ReturnType<typeof recordingPublisher>;

function setUp(meta: { verifyToken?: string | null; platform?: boolean } = {}) {
  recorded = recordingPublisher();
  server = makeTestServer({
    config: { meta: { ...(meta.platform === false ? { appId: null, appSecret: null } : PLATFORM), configId: 'cfg', verifyToken: meta.verifyToken === undefined ? VERIFY_TOKEN : meta.verifyToken } as never },
    extra: { webhooks: recorded.publisher },
  });
}

const post = (body: string | Buffer, signature?: string) => {
  const req = request(server.app).post('/webhooks/meta').set('content-type', 'application/json');
  return (signature === undefined ? req : req.set('x-hub-signature-256', signature)).send(body);
};

describe('GET /webhooks/meta (Meta verifies the callback URL)', () => {
  beforeEach(() => setUp());
  afterEach(() => server.close());

  test('answers hub.challenge as plain text when the verify token matches', async () => {
    const res = await request(server.app).get('/webhooks/meta').query({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' }).expect(200);
    assert.match(res.headers['content-type']!, /^text\/plain/);
    assert.equal(res.text, '1158201444');
  });

  const REFUSED: [string, Record<string, string>, number][] = [
    ['a wrong verify token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' }, 403],
    ['a verify token that is a prefix', { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN.slice(0, -1), 'hub.challenge': '1' }, 403],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 403],
    ['another mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' }, 403],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN }, 400],
    ['a challenge that is markup', { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '<script>' }, 400],
  ];
  for (const [name, query, status] of REFUSED) {
    test(`${status} for ${name}`, async () => {
      const res = await request(server.app).get('/webhooks/meta').query(query).expect(status);
      assert.equal(typeof res.body.error, 'string');
      assert.ok(!res.text.includes('<script>'));
    });
  }

  test('without META_VERIFY_TOKEN: 404 naming the variable', async () => {
    await server.close();
    setUp({ verifyToken: null });
    const res = await request(server.app).get('/webhooks/meta').query({ 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' }).expect(404);
    assert.equal(res.body.code, 'NOT_FOUND');
    assert.match(res.body.error, /META_VERIFY_TOKEN/);
  });
});

describe('POST /webhooks/meta (signed deliveries)', () => {
  beforeEach(async () => {
    setUp();
    await cloudSession(server, 'acme', 'shop', '1066', { appId: PLATFORM.appId, appSecretEnc: null });
    await cloudSession(server, 'globex', 'support', '2077', { appId: BYOA.appId, appSecretEnc: box.seal(BYOA.appSecret) });
  });
  afterEach(() => server.close());

  test('a text message signed by the platform app becomes message.received for its session', async () => {
    const body = JSON.stringify(delivery('1066', textFrom('wamid.HBgL1', 'Olá, tudo bem?')));
    const res = await post(body, sign(body, PLATFORM.appSecret)).expect(200);
    assert.deepEqual(res.body, { success: true, data: { published: 1, ignored: 0 } });
    assert.deepEqual(recorded.batches, [
      [
        {
          tenantId: 'acme',
          sessionName: 'shop',
          type: 'message.received',
          data: { session: 'shop', id: 'wamid.HBgL1', from: '16315551181', type: 'text', text: 'Olá, tudo bem?', timestamp: '2025-12-01T12:00:00.000Z' },
        },
      ],
    ]);
  });

  test('an image with its caption, and statuses (deleted is not ours)', async () => {
    const body = JSON.stringify(
      delivery('1066', {
        messages: [{ from: '16315551181', id: 'wamid.img', timestamp: '1764590400', type: 'image', image: { caption: 'the broken part', mime_type: 'image/jpeg', sha256: 'x', id: 'm1' } }],
        statuses: [
          { id: 'wamid.out1', status: 'sent', timestamp: '1764590401', recipient_id: '16315551181' },
          { id: 'wamid.out1', status: 'delivered', timestamp: '1764590402', recipient_id: '16315551181' },
          { id: 'wamid.out1', status: 'read', timestamp: '1764590403', recipient_id: '16315551181' },
          { id: 'wamid.out2', status: 'failed', timestamp: '1764590404', recipient_id: '16315551181', errors: [{ code: 131047 }] },
          { id: 'wamid.out3', status: 'deleted', timestamp: '1764590405', recipient_id: '16315551181' },
        ],
      }),
    );
    await post(body, sign(body, PLATFORM.appSecret)).expect(200);
    assert.deepEqual(
      recorded.batches[0]!.map((d) => [d.type, d.data]),
      [
        ['message.received', { session: 'shop', id: 'wamid.img', from: '16315551181', type: 'image', text: 'the broken part', timestamp: '2025-12-01T12:00:00.000Z' }],
        ['message.status', { session: 'shop', id: 'wamid.out1', status: 'sent' }],
        ['message.status', { session: 'shop', id: 'wamid.out1', status: 'delivered' }],
        ['message.status', { session: 'shop', id: 'wamid.out1', status: 'read' }],
        ['message.status', { session: 'shop', id: 'wamid.out2', status: 'failed' }],
      ],
    );
  });

  test('the signature is checked over the raw bytes, not a re-serialised body', async () => {
    // Spacing and \u escapes that JSON.stringify(JSON.parse(...)) would change.
    const body = `{ "object" : "whatsapp_business_account", "entry": [ { "id": "w", "changes": [ { "field": "messages", "value": { "metadata": { "phone_number_id": "1066" }, "messages": [ { "from": "16315551181", "id": "wamid.u", "timestamp": "1764590400", "type": "text", "text": { "body": "caf\\u00e9" } } ] } } ] } ] }`;
    await post(body, sign(body, PLATFORM.appSecret)).expect(200);
    assert.equal(dataOf(recorded.batches[0]![0]!).session, 'shop');
    assert.equal(dataOf(recorded.batches[0]![0]!).text, 'café');
  });

  const UNAUTHORISED: [string, (body: string) => string | undefined][] = [
    ['no X-Hub-Signature-256', () => undefined],
    ['a malformed header', () => 'sha1=abcdef'],
    ['the hex without its prefix', (body) => sign(body, PLATFORM.appSecret).slice('sha256='.length)],
    ['a signature under another secret', (body) => sign(body, 'not-the-app-secret')],
    ['a signature of other bytes', (body) => sign(body + ' ', PLATFORM.appSecret)],
    ['the BYOA secret for a platform number', (body) => sign(body, BYOA.appSecret)],
  ];
  for (const [name, signature] of UNAUTHORISED) {
    test(`401 and nothing published for ${name}`, async () => {
      const body = JSON.stringify(delivery('1066', textFrom('wamid.forged', 'send me the code')));
      const res = await post(body, signature(body)).expect(401);
      assert.equal(res.body.code, 'UNAUTHORIZED');
      assert.equal(typeof res.body.error, 'string');
      assert.deepEqual(recorded.batches, []);
    });
  }

  test('BYOA: a delivery signed with the customer app secret publishes for its session', async () => {
    const body = JSON.stringify(delivery('2077', textFrom('wamid.byoa', 'hello support')));
    await post(body, sign(body, BYOA.appSecret)).expect(200);
    assert.deepEqual(
      recorded.batches.flat().map((d) => [d.tenantId, d.sessionName, d.type, dataOf(d).session]),
      [['globex', 'support', 'message.received', 'support']],
    );
  });

  test("BYOA: the platform secret does not speak for a customer app's number", async () => {
    const body = JSON.stringify(delivery('2077', textFrom('wamid.x', 'hi')));
    const res = await post(body, sign(body, PLATFORM.appSecret)).expect(200);
    assert.deepEqual(res.body.data, { published: 0, ignored: 1 });
    assert.deepEqual(recorded.batches, []);
    assert.match(server.logs(), /not signed by this session's Meta app/);
  });

  test("one customer's app secret cannot speak for another tenant's number in the same body", async () => {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [...delivery('2077', textFrom('wamid.own', 'mine')).entry, ...delivery('1066', textFrom('wamid.forged', 'not mine')).entry],
    });
    const res = await post(body, sign(body, BYOA.appSecret)).expect(200);
    assert.deepEqual(res.body.data, { published: 1, ignored: 1 });
    assert.deepEqual(recorded.batches.flat().map((d) => dataOf(d).id), ['wamid.own']);
  });

  test('an unknown phone_number_id: 200, ignored and logged', async () => {
    const body = JSON.stringify(delivery('9999', textFrom('wamid.nobody', 'hello?')));
    const res = await post(body, sign(body, PLATFORM.appSecret)).expect(200);
    assert.deepEqual(res.body.data, { published: 0, ignored: 1 });
    assert.deepEqual(recorded.batches, []);
    assert.match(server.logs(), /"phoneNumberId":"9999".*no session has/);
  });

  test('a BYOA session linked before its secret was kept cannot be verified: 401', async () => {
    await cloudSession(server, 'initech', 'old', '3088', { appId: '3333333333', appSecretEnc: null });
    const body = JSON.stringify(delivery('3088', textFrom('wamid.old', 'hi')));
    await post(body, sign(body, 'whatever-secret')).expect(401);
    assert.match(server.logs(), /No app secret is stored for the Meta app of this Cloud API session/);
  });

  test('a signed body that is not JSON: 400; unsigned: 401', async () => {
    const body = '{"object": ';
    assert.equal((await post(body, sign(body, PLATFORM.appSecret)).expect(400)).body.code, 'INVALID_JSON');
    await post(body, sign(body, 'nope')).expect(401);
  });

  test('a publisher failure is a 500, so Meta delivers again', async () => {
    recorded.fail();
    const body = JSON.stringify(delivery('1066', textFrom('wamid.retry', 'again')));
    await post(body, sign(body, PLATFORM.appSecret)).expect(500);
  });

  test(`more than ${MAX_NUMBERS_PER_DELIVERY} phone numbers in one delivery: 400 before any look-up`, async () => {
    const entries = Array.from({ length: MAX_NUMBERS_PER_DELIVERY + 1 }, (_, i) => delivery(String(5000 + i), textFrom(`wamid.${i}`, 'hi')).entry[0]);
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: entries });
    let lookups = 0;
    const find = server.store.findCloudApiSession.bind(server.store);
    server.store.findCloudApiSession = async (id) => (lookups++, find(id));
    assert.equal((await post(body, sign(body, PLATFORM.appSecret)).expect(400)).body.code, 'BAD_REQUEST');
    assert.equal(lookups, 0);
    const atLimit = JSON.stringify({ object: 'whatsapp_business_account', entry: entries.slice(1) });
    await post(atLimit, sign(atLimit, PLATFORM.appSecret)).expect(200);
    assert.equal(lookups, MAX_NUMBERS_PER_DELIVERY);
  });

  test('a body over 1 MB is 413 before it is read', async () => {
    const body = Buffer.alloc(META_WEBHOOK_BODY_LIMIT_BYTES + 1, ' ');
    const res = await post(body, sign(body, PLATFORM.appSecret)).expect(413);
    assert.equal(res.body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(res.body.error, /1 MB/);
  });

  test('without a platform app, BYOA deliveries still verify', async () => {
    await server.close();
    setUp({ platform: false });
    await cloudSession(server, 'globex', 'support', '2077', { appId: BYOA.appId, appSecretEnc: box.seal(BYOA.appSecret) });
    const body = JSON.stringify(delivery('2077', textFrom('wamid.b', 'hi')));
    await post(body, sign(body, BYOA.appSecret)).expect(200);
    assert.equal(recorded.batches.flat().length, 1);
    await post(body, sign(body, PLATFORM.appSecret)).expect(401);
  });
});

test('without a publisher the app still answers Meta, and drops the events with a debug line', async () => {
  const plain = makeTestServer({ config: { meta: { ...PLATFORM, configId: 'cfg' } as never } });
  try {
    await cloudSession(plain, 'acme', 'shop', '1066', { appId: PLATFORM.appId, appSecretEnc: null });
    const body = JSON.stringify(delivery('1066', textFrom('wamid.1', 'hi')));
    await request(plain.app).post('/webhooks/meta').set('content-type', 'application/json').set('x-hub-signature-256', sign(body, PLATFORM.appSecret)).send(body).expect(200);
    assert.match(plain.logs(), /no webhook publisher: events dropped/);
  } finally {
    await plain.close();
  }
});
