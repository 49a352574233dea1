// Calls between instances over Redis: a widget action that reaches an instance which does not
// run the WhatsApp session is carried out by the one that does. A request is pushed on the
// owner's list; its answer on the caller's reply list. Each instance pops both lists with one
// blocking BLMPOP on one connection, so calls in flight cost no connection each (a BLPOP per
// request key would need one), and a list of a dead instance expires by itself.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ErrorCode } from '@titan-connect/protocol';
import { HttpError } from '../errors.js';
import { toHttpError } from '../middleware/error-handler.js';
import type { SessionKey } from '../whatsapp/engine.js';
import type { ClusterKeys } from './keys.js';
import type { Ownership } from './types.js';

/**
 * How long a caller waits for the owner. Above the slowest action (a pairing code from WhatsApp
 * takes a few seconds), below the 15 s a browser's fetch is commonly given.
 */
export const RPC_TIMEOUT_MS = 10_000;
/** Requests popped at once: a burst of streams opening is served in a few round trips. */
const BATCH = 100;
/**
 * Deadlines are the caller's clock: an owner whose clock is ahead by up to this much still runs
 * a request in time, rather than dropping every call of a badly synced peer.
 */
export const CLOCK_SKEW_MS = 5_000;

/** An error as it crosses instances: the `HttpError` the owner would have answered with. */
export interface RpcErrorBody {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
}

interface RpcRequest {
  id: string;
  from: string;
  method: string;
  args: unknown[];
  /** ms since epoch after which the caller no longer waits: the owner skips it. */
  deadline: number;
}

interface RpcReply {
  id: string;
  value?: unknown;
  error?: RpcErrorBody;
}

/** Runs a request on this instance; what it throws goes back as an `HttpError`. */
export type RpcHandler = (method: string, args: unknown[]) => Promise<unknown>;

/** The owner did not answer in time (gone, or stuck): the caller may ask again. */
export class RpcTimeoutError extends HttpError {
  constructor(readonly instanceId: string) {
    super(503, 'SERVICE_UNAVAILABLE', 'The instance running this WhatsApp session did not answer; try again in a moment.', { 'Retry-After': '2' });
  }
}

export const toRpcError = (error: unknown): RpcErrorBody => {
  const http = toHttpError(error);
  return { status: http.status, code: http.code, message: http.message, headers: http.headers };
};

export const fromRpcError = (body: RpcErrorBody): HttpError => new HttpError(body.status, body.code, body.message, body.headers ?? {});

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface RpcOptions {
  /** Commands; shared with the rest of cluster mode. */
  redis: Redis;
  keys: ClusterKeys;
  instanceId: string;
  logger: Logger;
  handler: RpcHandler;
  timeoutMs?: number;
  /** Default `CLOCK_SKEW_MS`. */
  clockSkewMs?: number;
}

export class Rpc {
  private readonly blocking: Redis;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  private readonly loop: Promise<void>;
  private readonly timeoutMs: number;

  constructor(private readonly options: RpcOptions) {
    this.timeoutMs = options.timeoutMs ?? RPC_TIMEOUT_MS;
    // Blocked in BLMPOP all the time: it needs a connection of its own. Never give up retrying
    // while Redis is away; the loop carries on when it is back.
    this.blocking = options.redis.duplicate({ maxRetriesPerRequest: null });
    this.loop = this.popLoop();
  }

  /** Runs `method` on `instanceId` (may be this one) and resolves to what it returned. */
  async call(instanceId: string, method: string, args: unknown[], timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.closed) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'This instance is shutting down; try again.', { 'Retry-After': '1' });
    const { redis, keys } = this.options;
    const request: RpcRequest = { id: randomUUID(), from: this.options.instanceId, method, args, deadline: Date.now() + timeoutMs };
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.id);
        reject(new RpcTimeoutError(instanceId));
      }, timeoutMs);
      this.pending.set(request.id, { resolve, reject, timer });
    });
    // It may settle (timeout, close) while the push below is awaited: handled by our caller then.
    reply.catch(() => {});
    const key = keys.rpc(instanceId);
    try {
      // Expires unless someone keeps sending: requests to an instance that died go away.
      await redis.multi().lpush(key, JSON.stringify(request)).pexpire(key, timeoutMs * 3).exec();
    } catch (error) {
      this.settle({ id: request.id, error: { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'The cluster bus is unreachable; try again.', headers: { 'Retry-After': '2' } } });
      this.options.logger.error({ err: error }, 'could not send a request to another instance');
    }
    return reply;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.blocking.disconnect();
    await this.loop;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new HttpError(503, 'SERVICE_UNAVAILABLE', 'This instance is shutting down; try again.', { 'Retry-After': '1' }));
      this.pending.delete(id);
    }
  }

  private async popLoop(): Promise<void> {
    const { keys, instanceId, logger } = this.options;
    const requests = keys.rpc(instanceId);
    const replies = keys.replies(instanceId);
    while (!this.closed) {
      let popped: [string, string[]] | null;
      try {
        popped = (await this.blocking.call('BLMPOP', 0, 2, requests, replies, 'RIGHT', 'COUNT', BATCH)) as [string, string[]] | null;
      } catch (error) {
        if (this.closed) return;
        logger.warn({ err: error }, 'cluster RPC: popping failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (!popped) continue;
      const [key, items] = popped;
      for (const item of items) {
        if (key === requests) void this.serve(item);
        else this.settle(JSON.parse(item) as RpcReply);
      }
    }
  }

  private settle(reply: RpcReply): void {
    const pending = this.pending.get(reply.id);
    // A reply after the caller gave up (or of a call before a restart) has nobody to go to.
    if (!pending) return;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.error) pending.reject(fromRpcError(reply.error));
    else pending.resolve(reply.value);
  }

  private async serve(raw: string): Promise<void> {
    const { redis, keys, logger, handler } = this.options;
    let request: RpcRequest;
    try {
      request = JSON.parse(raw) as RpcRequest;
    } catch {
      logger.warn('cluster RPC: dropped a request that is not JSON');
      return;
    }
    // Nobody waits for it any more; doing it now would surprise whoever retried elsewhere.
    if (Date.now() > request.deadline + (this.options.clockSkewMs ?? CLOCK_SKEW_MS)) return;
    let reply: RpcReply;
    try {
      reply = { id: request.id, value: await handler(request.method, request.args) };
    } catch (error) {
      reply = { id: request.id, error: toRpcError(error) };
      if (reply.error!.status >= 500) logger.error({ err: error, method: request.method }, 'cluster RPC: a forwarded call failed');
    }
    const key = keys.replies(request.from);
    await redis
      .multi()
      .lpush(key, JSON.stringify(reply))
      .pexpire(key, 60_000)
      .exec()
      .catch((error: unknown) => logger.error({ err: error }, 'cluster RPC: could not send a reply'));
  }
}

/**
 * Runs `here` if this instance owns `key`, else `method` on the owner. An owner that does not
 * answer (or no longer owns it) is asked about once more: if ownership moved meanwhile
 * (failover), the new owner gets the call; otherwise the 503 stands and the client retries.
 */
export async function onOwner<T>(ownership: Ownership, rpc: Rpc, key: SessionKey, method: string, args: unknown[], here: () => Promise<T>): Promise<T> {
  let owner = await ownership.ownerOf(key);
  for (let attempt = 0; ; attempt++) {
    if (owner === ownership.instanceId) return here();
    try {
      return (await rpc.call(owner, method, args)) as T;
    } catch (error) {
      if (attempt > 0 || !(error instanceof HttpError) || error.status !== 503) throw error;
      const again = await ownership.ownerOf(key);
      if (again === owner) throw error;
      owner = again;
    }
  }
}
