import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_DELIVERY_TIMEOUT_MS, deliverWebhook, guardedLookup, WEBHOOK_USER_AGENT, type DeliveryRequest } from './deliver.js';
import { generateWebhookSecret, signWebhook } from './sign.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local receiver that records what it got and answers with `respond`. */
async function receiver(respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok')) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { received, port, url: `http://127.0.0.1:${port}/hooks/titan` };
}

const servers: Server[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

const secret = generateWebhookSecret();
function signed(url: string, body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { endpoint: 'wh_1' } })): DeliveryRequest {
  const id = 'evt_test_1';
  const timestampSeconds = Math.floor(Date.now() / 1000);
  return { url, id, timestampSeconds, body, signature: signWebhook(secret, id, timestampSeconds, body) };
}

const dev = { allowPrivate: true } as const;

describe('deliverWebhook to a local receiver (allowPrivate)', () => {
  test('POSTs the body with the Standard Webhooks headers; a 2xx is ok', async () => {
    const hook = await receiver((_req, res) => res.writeHead(204).end());
    const request = signed(hook.url);
    const outcome = await deliverWebhook(request, dev);
    assert.deepEqual({ ...outcome, latencyMs: 0 }, { ok: true, statusCode: 204, latencyMs: 0, error: null });
    assert.ok(outcome.latencyMs > 0 && outcome.latencyMs < 5000);
    const [got] = hook.received;
    assert.equal(got!.method, 'POST');
    assert.equal(got!.url, '/hooks/titan');
    assert.equal(got!.body, request.body);
    assert.equal(got!.headers['content-type'], 'application/json');
    assert.equal(got!.headers['user-agent'], WEBHOOK_USER_AGENT);
    assert.equal(got!.headers['webhook-id'], request.id);
    assert.equal(got!.headers['webhook-timestamp'], String(request.timestampSeconds));
    // What arrived verifies with the receiver's copy of the secret.
    assert.deepEqual(new Webhook(secret).verify(got!.body, got!.headers as Record<string, string>), JSON.parse(request.body));
  });

  test('a non-2xx answer fails with its status code', async () => {
    for (const status of [400, 410, 500, 503]) {
      const hook = await receiver((_req, res) => res.writeHead(status).end('nope'));
      const outcome = await deliverWebhook(signed(hook.url), dev);
      assert.deepEqual([outcome.ok, outcome.statusCode, outcome.error], [false, status, `HTTP ${status}`]);
    }
  });

  test('a 302 to a private address is a failure and nothing is fetched there', async () => {
    const internal = await receiver();
    const hook = await receiver((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/admin` }).end());
    const outcome = await deliverWebhook(signed(hook.url), dev);
    assert.deepEqual([outcome.ok, outcome.statusCode], [false, 302]);
    assert.match(outcome.error!, /redirects are not followed/);
    assert.equal(hook.received.length, 1);
    assert.equal(internal.received.length, 0, 'the redirect target was never requested');
  });

  test('a receiver that does not answer in time: aborted, timeout reported', async () => {
    let closed = false;
    const hook = await receiver((req) => req.socket.on('close', () => (closed = true)));
    const outcome = await deliverWebhook(signed(hook.url), { ...dev, timeoutMs: 200 });
    assert.deepEqual([outcome.ok, outcome.statusCode, outcome.error], [false, null, 'timeout after 0.2 s']);
    assert.ok(outcome.latencyMs >= 190 && outcome.latencyMs < 2000, String(outcome.latencyMs));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, true, 'the connection was closed, not left open');
    assert.equal(DEFAULT_DELIVERY_TIMEOUT_MS, 15_000);
  });

  test('the timeout covers the answer too: headers then a stalled body', async () => {
    const hook = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const outcome = await deliverWebhook(signed(hook.url), { ...dev, timeoutMs: 200 });
    assert.deepEqual([outcome.ok, outcome.statusCode, outcome.error], [false, 200, 'timeout after 0.2 s']);
  });

  test('a 2xx cut off before its end is not an acknowledgement', async () => {
    const hook = await receiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    });
    const outcome = await deliverWebhook(signed(hook.url), dev);
    assert.deepEqual([outcome.ok, outcome.statusCode], [false, 200]);
    assert.match(outcome.error!, /closed the connection mid-answer|aborted|ECONNRESET/);
  });

  test('reads at most 64 kB of a huge answer, then drops the connection', async () => {
    let written = 0;
    let finished = false;
    const hook = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = (): void => {
        // 64 MB unless the client hangs up first.
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end(() => (finished = true));
      };
      pump();
    });
    const outcome = await deliverWebhook(signed(hook.url), dev);
    assert.deepEqual([outcome.ok, outcome.statusCode, outcome.error], [true, 200, null]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(finished, false, 'the answer was not read to its end');
    assert.ok(written < 64 * 1024 * 1024);
  });

  test('a closed port: a network error, no status code', async () => {
    const hook = await receiver();
    const url = hook.url;
    for (const server of servers.splice(-1)) await new Promise((resolve) => server.close(resolve));
    const outcome = await deliverWebhook(signed(url), dev);
    assert.deepEqual([outcome.ok, outcome.statusCode], [false, null]);
    assert.match(outcome.error!, /ECONNREFUSED/);
  });

  test('a request Node cannot send (a newline in a header) is an outcome, not a throw', async () => {
    const hook = await receiver();
    const outcome = await deliverWebhook({ ...signed(hook.url), id: 'evt_1\r\nx-injected: 1' }, dev);
    assert.deepEqual([outcome.ok, outcome.statusCode], [false, null]);
    assert.match(outcome.error!, /Invalid character in header/);
    assert.equal(hook.received.length, 0);
  });

  test('latency is measured to the end of the answer', async () => {
    const hook = await receiver((_req, res) => setTimeout(() => res.end('ok'), 80));
    const outcome = await deliverWebhook(signed(hook.url), dev);
    assert.equal(outcome.ok, true);
    assert.ok(outcome.latencyMs >= 75, String(outcome.latencyMs));
  });
});

describe('deliverWebhook refuses private addresses (allowPrivate false)', () => {
  test('https to 127.0.0.1, [::1] and 169.254.169.254: refused before any connection', async () => {
    const hook = await receiver();
    for (const url of [`https://127.0.0.1:${hook.port}/`, `https://[::1]:${hook.port}/`, 'https://169.254.169.254/latest/meta-data/', `https://0x7f000001:${hook.port}/`]) {
      const outcome = await deliverWebhook(signed(url), { allowPrivate: false });
      assert.deepEqual([outcome.ok, outcome.statusCode], [false, null], url);
      assert.match(outcome.error!, /resolves to a private address/, url);
    }
    assert.equal(hook.received.length, 0);
  });

  test('plain http is refused', async () => {
    const hook = await receiver();
    const outcome = await deliverWebhook(signed(hook.url), { allowPrivate: false });
    assert.deepEqual([outcome.ok, outcome.statusCode], [false, null]);
    assert.match(outcome.error!, /must use https/);
    assert.equal(hook.received.length, 0);
  });

  test('a name that resolves to a private address is refused at connect time (localhost, a rebinding resolver)', async () => {
    const hook = await receiver();
    const outcome = await deliverWebhook(signed(`https://localhost:${hook.port}/`), { allowPrivate: false });
    assert.deepEqual([outcome.ok, outcome.statusCode], [false, null]);
    assert.match(outcome.error!, /localhost resolves to a private address/);

    // Public at registration, private now: the check is on this attempt's own resolution.
    const rebinding = ((hostname: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) =>
      callback(null, hostname === 'hooks.example.com' ? [{ address: '10.0.0.1', family: 4 }] : [])) as never;
    const rebound = await deliverWebhook(signed('https://hooks.example.com/hook'), { allowPrivate: false, lookup: rebinding });
    assert.deepEqual([rebound.ok, rebound.statusCode], [false, null]);
    assert.match(rebound.error!, /hooks\.example\.com resolves to a private address \(10\.0\.0\.1/);
    assert.equal(hook.received.length, 0);
  });
});

describe('guardedLookup', () => {
  const fixed =
    (addresses: LookupAddress[]) =>
    ((_hostname: string, options: { all?: boolean }, callback: (error: null, addresses: LookupAddress[]) => void) => {
      assert.equal(options.all, true, 'asks for every address');
      callback(null, addresses);
    }) as never;
  const call = (lookup: ReturnType<typeof guardedLookup>, all: boolean) =>
    new Promise<[Error | null, unknown, unknown]>((resolve) => lookup('hooks.example.com', { all }, (error, address, family) => resolve([error, address, family])));

  test('hands public answers on in the form the socket asked for', async () => {
    const lookup = guardedLookup(fixed([{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }]));
    assert.deepEqual(await call(lookup, false), [null, '93.184.215.14', 4]);
    const [error, addresses] = await call(lookup, true);
    assert.equal(error, null);
    assert.equal((addresses as LookupAddress[]).length, 2);
  });

  test('one private answer among public ones refuses the connection', async () => {
    for (const all of [false, true]) {
      const [error] = await call(guardedLookup(fixed([{ address: '93.184.215.14', family: 4 }, { address: '::ffff:169.254.169.254', family: 6 }])), all);
      assert.match(error!.message, /resolves to a private address \(::ffff:169\.254\.169\.254/);
    }
  });
});
