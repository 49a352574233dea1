import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeGraph, type FakeGraph } from '../test-support/fake-graph.js';
import { GraphClient, GraphError } from './graph-client.js';

let graph: FakeGraph;
let raw: Server;
let rawUrl: string;
/** What the raw server answers: for bodies Meta's fake would never send. */
let rawAnswer: { status: number; body: string } = { status: 200, body: '' };

before(async () => {
  graph = await startFakeGraph();
  raw = createServer((_req, res) => res.writeHead(rawAnswer.status, { 'content-type': 'text/html' }).end(rawAnswer.body));
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
});
after(async () => {
  await graph.close();
  await new Promise((resolve) => raw.close(resolve));
});
beforeEach(() => graph.reset());

const client = (timeoutMs?: number) => new GraphClient({ graphUrl: `${graph.url}/`, graphVersion: 'v21.0', timeoutMs });

test('exchangeCode returns the business token and reads the version and trailing slash right', async () => {
  const { appId, appSecret, code, businessToken } = graph.options;
  assert.equal(await client().exchangeCode(appId, appSecret, code), businessToken);
  assert.equal(graph.requests[0]!.path, '/v21.0/oauth/access_token');
});

test("a Meta error keeps Meta's message, code, subcode and trace id", async () => {
  graph.fail('subscribe');
  const error = await client().subscribeApp(graph.options.wabaId, graph.options.businessToken).catch((e: unknown) => e);
  assert.ok(error instanceof GraphError);
  assert.equal(error.step, 'subscribe');
  assert.equal(error.message, '(#200) Permissions error');
  assert.equal(error.status, 400);
  assert.equal(error.metaCode, 200);
  assert.equal(error.fbtraceId, 'AfakeTraceSubscribe');
});

test('a second exchange of the same code is refused by Meta (codes are single use)', async () => {
  const { appId, appSecret, code } = graph.options;
  await client().exchangeCode(appId, appSecret, code);
  await assert.rejects(client().exchangeCode(appId, appSecret, code), { name: 'GraphError', message: 'This authorization code has been used.' });
});

test('a Graph call that never answers fails with a timeout sentence, not the URL', async () => {
  graph.fail('exchange', 'hang');
  const error = await client(50).exchangeCode('1', 'secret-in-query', 'code-in-query').catch((e: unknown) => e);
  assert.ok(error instanceof GraphError);
  assert.equal(error.status, null);
  assert.match(error.message, /did not answer/);
  assert.ok(!String(error.stack).includes('secret-in-query') && !error.message.includes('code-in-query'));
});

test('an unreachable Graph API fails with a sentence of ours and no cause that could quote the URL', async () => {
  const closed = new GraphClient({ graphUrl: 'http://127.0.0.1:1', graphVersion: 'v21.0' });
  const error = await closed.exchangeCode('1', 'secret-in-query', 'code').catch((e: unknown) => e);
  assert.ok(error instanceof GraphError);
  assert.equal(error.message, 'Could not reach the Meta Graph API.');
  assert.equal(error.cause, undefined);
});

const ODD_ANSWERS: [string, { status: number; body: string }, RegExp][] = [
  ['an HTML error page', { status: 502, body: '<html>Bad gateway</html>' }, /HTTP 502 without an error message/],
  ['an error without a message', { status: 400, body: '{"error":{"code":1}}' }, /HTTP 400 without an error message/],
  ['a 200 that is not JSON', { status: 200, body: 'ok' }, /HTTP 200 without an error message/],
  ['a 200 without a token', { status: 200, body: '{"token_type":"bearer"}' }, /no access token/],
];
for (const [name, answer, expected] of ODD_ANSWERS) {
  test(`exchangeCode turns ${name} into a GraphError`, async () => {
    rawAnswer = answer;
    const odd = new GraphClient({ graphUrl: rawUrl, graphVersion: 'v21.0' });
    await assert.rejects(odd.exchangeCode('1', 's', 'c'), (error: unknown) => error instanceof GraphError && expected.test(error.message));
  });
}

test('sendText posts the Cloud API text shape and returns the message id', async () => {
  const { phoneNumberId, businessToken } = graph.options;
  const id = await client().sendText(phoneNumberId, businessToken, '5511912345678', 'Olá');
  assert.match(id, /^wamid\./);
  assert.deepEqual(graph.requests[0]!.body, { messaging_product: 'whatsapp', to: '5511912345678', type: 'text', text: { body: 'Olá' } });
});
