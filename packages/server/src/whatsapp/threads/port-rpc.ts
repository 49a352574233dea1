// Calls and notes between the main thread and a session thread, over one MessagePort. A call
// gets one reply (its value, or its error rebuilt on this side); a note gets none. Only
// structured-clone data crosses: the handlers on both sides take and return plain values.
import type { ErrorCode } from '@titan-connect/protocol';
import { EngineError } from '../../errors.js';

/** The part of a `MessagePort` or `Worker` this needs. */
export interface Port {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export type Handlers = Record<string, (...args: never[]) => unknown>;

type Message =
  | { t: 'call'; id: number; method: string; args: unknown[] }
  | { t: 'reply'; id: number; value: unknown; error?: undefined }
  | { t: 'reply'; id: number; error: WireError }
  | { t: 'note'; method: string; args: unknown[] };

/** An error as it crosses: EngineErrors keep their class and code, others their message. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export const toWire = (error: unknown): WireError => {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' && { code }) };
};

export const fromWire = (wire: WireError): Error => {
  if (wire.name === 'EngineError' && wire.code) return new EngineError(wire.code as ErrorCode, wire.message);
  return Object.assign(new Error(wire.message), { name: wire.name, ...(wire.code && { code: wire.code }) });
};

export class PortRpc {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private closedWith: Error | null = null;

  constructor(
    private readonly port: Port,
    private readonly handlers: Handlers,
  ) {
    port.on('message', (message) => this.receive(message as Message));
  }

  /** Runs `method` on the other side; rejects with its error, or when the port closes first. */
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.port.postMessage({ t: 'call', id, method, args } satisfies Message);
      } catch (error) {
        this.pending.delete(id); // e.g. a DataCloneError: nothing was sent
        reject(error as Error);
      }
    });
  }

  /** Tells the other side `method(...args)`, expecting no answer. */
  notify(method: string, ...args: unknown[]): void {
    if (!this.closedWith) this.port.postMessage({ t: 'note', method, args } satisfies Message);
  }

  /** The other side is gone: every call waiting on it, and every later one, rejects with `error`. */
  close(error: Error): void {
    this.closedWith ??= error;
    for (const { reject } of this.pending.values()) reject(this.closedWith);
    this.pending.clear();
  }

  private receive(message: Message): void {
    switch (message.t) {
      case 'reply': {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiting?.reject(fromWire(message.error));
        else waiting?.resolve(message.value);
        return;
      }
      case 'note':
        void this.run(message.method, message.args).catch(() => {}); // a note's failure is its handler's to log
        return;
      case 'call':
        this.run(message.method, message.args).then(
          (value) => this.reply({ t: 'reply', id: message.id, value }),
          (error: unknown) => this.reply({ t: 'reply', id: message.id, error: toWire(error) }),
        );
        return;
    }
  }

  private async run(method: string, args: unknown[]): Promise<unknown> {
    const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method] : undefined;
    if (!handler) throw new Error(`no handler for "${method}"`);
    return (handler as (...args: unknown[]) => unknown)(...args);
  }

  private reply(message: Message): void {
    if (this.closedWith) return;
    try {
      this.port.postMessage(message);
    } catch (error) {
      // A value that cannot be cloned: the caller gets that as its error, not a hang.
      if (message.t === 'reply' && !message.error) this.port.postMessage({ t: 'reply', id: message.id, error: toWire(error) } satisfies Message);
    }
  }
}
