// A fake of the Meta Graph API for tests: a small Express app on a random loopback port that
// checks every request the way Meta would (app id, secret, code, token, paths, bodies,
// `messaging_product`), records them, and can be told to fail any step with Meta's error shape.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { GraphStep } from '../meta/graph-client.js';

export interface FakeGraphOptions {
  version?: string;
  appId?: string;
  appSecret?: string;
  /** The login code the fake accepts once. */
  code?: string;
  /** What the code exchanges to. */
  businessToken?: string;
  wabaId?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  verifiedName?: string;
}

/** One request as the fake saw it. */
export interface RecordedGraphRequest {
  step: GraphStep | 'unknown';
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  body: unknown;
}

/** Meta's error body. */
export interface MetaError {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  fbtrace_id: string;
}

/** What a failing step answers: an HTTP status with Meta's error, or no answer at all. */
export type FailureMode = { status: number; error: MetaError } | 'hang';

/** A typical error of each step, close to what Meta sends. */
export const META_ERRORS: Record<GraphStep, MetaError> = {
  exchange: { message: 'This authorization code has expired.', type: 'OAuthException', code: 100, error_subcode: 36007, fbtrace_id: 'AfakeTraceExchange' },
  subscribe: { message: '(#200) Permissions error', type: 'OAuthException', code: 200, fbtrace_id: 'AfakeTraceSubscribe' },
  register: { message: 'Phone number is not verified', type: 'OAuthException', code: 133010, fbtrace_id: 'AfakeTraceRegister' },
  phone: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100, error_subcode: 33, fbtrace_id: 'AfakeTracePhone' },
  send: { message: '(#131030) Recipient phone number not in allowed list', type: 'OAuthException', code: 131030, fbtrace_id: 'AfakeTraceSend' },
};

const DEFAULTS: Required<FakeGraphOptions> = {
  version: 'v21.0',
  appId: '1111111111',
  appSecret: 'platform-app-secret-5f1c',
  code: 'AQD-login-code-7c2e',
  businessToken: 'EAAG-business-token-91ab',
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '+1 555-010-4477',
  verifiedName: 'Acme Support',
};

export interface FakeGraph {
  /** Base URL for `META_GRAPH_URL`. */
  url: string;
  options: Required<FakeGraphOptions>;
  requests: RecordedGraphRequest[];
  /** Makes a step fail (Meta's error for that step by default) until `reset()`. */
  fail(step: GraphStep, mode?: FailureMode): void;
  /** Holds requests of a step until the returned function is called (to test overlapping calls). */
  hold(step: GraphStep): () => void;
  /** Accepts `code` for one more exchange, with new expectations if given. */
  reset(options?: FakeGraphOptions): void;
  close(): Promise<void>;
}

const metaError = (res: Response, status: number, message: string, code: number, type = 'OAuthException'): void => {
  res.status(status).json({ error: { message, type, code, fbtrace_id: 'AfakeTraceCheck' } });
};

export async function startFakeGraph(initial: FakeGraphOptions = {}): Promise<FakeGraph> {
  let options = { ...DEFAULTS, ...initial };
  let failures = new Map<GraphStep, FailureMode>();
  let codeUsed = false;
  const requests: RecordedGraphRequest[] = [];
  const hanging = new Set<Response>();
  const holds = new Map<GraphStep, Promise<void>>();

  const app = express();
  app.use(express.json());

  /** Records the request; then answers the step's scripted failure if there is one. */
  const enter = async (step: GraphStep, req: Request, res: Response): Promise<boolean> => {
    requests.push({
      step,
      method: req.method,
      path: req.path,
      query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)])),
      authorization: req.get('authorization') ?? null,
      body: req.body ?? null,
    });
    if (req.params.version !== options.version) {
      metaError(res, 400, `Unknown Graph API version ${String(req.params.version)}.`, 2635);
      return false;
    }
    await holds.get(step);
    const failure = failures.get(step);
    if (failure === 'hang') {
      hanging.add(res);
      return false;
    }
    if (failure) {
      res.status(failure.status).json({ error: failure.error });
      return false;
    }
    return true;
  };

  const bearerOk = (req: Request, res: Response): boolean => {
    if (req.get('authorization') === `Bearer ${options.businessToken}`) return true;
    metaError(res, 401, 'Invalid OAuth access token - Cannot parse access token', 190);
    return false;
  };

  app.get('/:version/oauth/access_token', async (req, res) => {
    if (!(await enter('exchange', req, res))) return;
    const { client_id, client_secret, code } = req.query;
    if (client_id !== options.appId) return metaError(res, 400, 'Error validating application. Invalid application ID.', 101);
    if (client_secret !== options.appSecret) return metaError(res, 400, 'Error validating client secret.', 1);
    if (code !== options.code) return metaError(res, 400, 'Invalid verification code format.', 100);
    // Meta's codes are single use: a retried exchange is refused, which is why the server never retries.
    if (codeUsed) return metaError(res, 400, 'This authorization code has been used.', 100);
    codeUsed = true;
    res.json({ access_token: options.businessToken, token_type: 'bearer' });
  });

  app.post('/:version/:wabaId/subscribed_apps', async (req, res) => {
    if (!(await enter('subscribe', req, res)) || !bearerOk(req, res)) return;
    if (req.params.wabaId !== options.wabaId) return metaError(res, 400, `Unsupported post request. Object with ID '${req.params.wabaId}' does not exist.`, 100);
    res.json({ success: true });
  });

  app.post('/:version/:phoneNumberId/register', async (req, res) => {
    if (!(await enter('register', req, res)) || !bearerOk(req, res)) return;
    if (req.params.phoneNumberId !== options.phoneNumberId) return metaError(res, 400, 'Object does not exist.', 100);
    const body = req.body as Record<string, unknown> | undefined;
    if (body?.messaging_product !== 'whatsapp') return metaError(res, 400, '(#100) The parameter messaging_product is required.', 100);
    if (typeof body.pin !== 'string' || !/^\d{6}$/.test(body.pin)) return metaError(res, 400, '(#100) Param pin must be 6 digits.', 100);
    res.json({ success: true });
  });

  app.post('/:version/:phoneNumberId/messages', async (req, res) => {
    if (!(await enter('send', req, res)) || !bearerOk(req, res)) return;
    if (req.params.phoneNumberId !== options.phoneNumberId) return metaError(res, 400, 'Object does not exist.', 100);
    const body = req.body as Record<string, unknown> | undefined;
    const text = body?.text as { body?: unknown } | undefined;
    if (body?.messaging_product !== 'whatsapp') return metaError(res, 400, '(#100) The parameter messaging_product is required.', 100);
    if (body.type !== 'text' || typeof text?.body !== 'string') return metaError(res, 400, '(#100) Invalid parameter text.', 100);
    if (typeof body.to !== 'string' || !/^\d{6,15}$/.test(body.to)) return metaError(res, 400, '(#100) Invalid parameter to.', 100);
    res.json({
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: `wamid.fake${requests.length}` }],
    });
  });

  app.get('/:version/:phoneNumberId', async (req, res) => {
    if (!(await enter('phone', req, res)) || !bearerOk(req, res)) return;
    if (req.params.phoneNumberId !== options.phoneNumberId) return metaError(res, 400, 'Object does not exist.', 100);
    res.json({ display_phone_number: options.displayPhoneNumber, verified_name: options.verifiedName, id: options.phoneNumberId });
  });

  app.use((req, res) => {
    requests.push({ step: 'unknown', method: req.method, path: req.path, query: {}, authorization: req.get('authorization') ?? null, body: req.body ?? null });
    metaError(res, 400, `Unknown path components: ${req.path}`, 2500);
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get options() {
      return options;
    },
    requests,
    fail(step, mode = { status: 400, error: META_ERRORS[step] }) {
      failures.set(step, mode);
    },
    hold(step) {
      let release!: () => void;
      holds.set(step, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        holds.delete(step);
        release();
      };
    },
    reset(next = {}) {
      options = { ...options, ...next };
      failures = new Map();
      codeUsed = false;
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
