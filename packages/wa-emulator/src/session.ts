// One client connection: framing, the Noise handshake, then encrypted binary nodes. What the
// connection means (registration or login) is decided by the edge (`edge.ts`); this class only
// moves nodes and remembers what it is waiting for.
import type { WebSocket } from 'ws';
import type { KeyPair, proto } from 'baileys';
import { decodeBinaryNode, describe, encodeBinaryNode, node, SERVER_JID } from './binary.js';
import type { BinaryNode } from './binary.js';
import type { CertChainOptions, CertificateAuthority } from './certs.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import { NoiseResponder } from './noise.js';
import type { Transport } from './noise.js';

export interface SessionHost {
  readonly ca: CertificateAuthority;
  readonly serverStatic: KeyPair;
  certOptions(): CertChainOptions;
  /** Called once the client is authenticated (clientFinish decrypted). */
  onClientPayload(session: EdgeSession, payload: proto.ClientPayload): void | Promise<void>;
  onNode(session: EdgeSession, node: BinaryNode): void | Promise<void>;
  onClose(session: EdgeSession): void;
  log(line: string): void;
}

type Stage = 'hello' | 'finish' | 'transport' | 'closed';

let sessionSeq = 0;

export class EdgeSession {
  readonly id = ++sessionSeq;
  /** The client's static Noise key (Baileys' `creds.noiseKey.public`), known after the handshake. */
  clientStatic: Buffer | null = null;
  #stage: Stage = 'hello';
  readonly #decoder = new FrameDecoder();
  readonly #noise: NoiseResponder;
  #transport: Transport | null = null;
  /** Incoming nodes are decoded asynchronously; this chain keeps them in order. */
  #inbox: Promise<void> = Promise.resolve();
  readonly #waiting = new Map<string, { resolve: (n: BinaryNode) => void; reject: (e: Error) => void }>();
  #tag = 0;
  readonly #closeHandlers: Array<() => void> = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly host: SessionHost,
  ) {
    this.#noise = new NoiseResponder(host.serverStatic);
    ws.on('message', (data: Buffer) => this.#receive(data));
    ws.on('close', () => this.#closed());
    ws.on('error', () => this.#closed());
  }

  /** Routing info the client echoed in an `ED` intro (from an earlier `edge_routing`), if any. */
  get routingInfo(): Buffer | null {
    return this.#decoder.routingInfo;
  }

  get isOpen(): boolean {
    return this.#stage !== 'closed';
  }

  /** Runs `fn` when the connection ends (for whatever reason). */
  onClose(fn: () => void): void {
    if (this.#stage === 'closed') fn();
    else this.#closeHandlers.push(fn);
  }

  nextTag(): string {
    return `emu.${this.id}.${++this.#tag}`;
  }

  async send(n: BinaryNode): Promise<void> {
    if (!this.#transport || this.#stage === 'closed') return;
    this.host.log(`#${this.id} -> ${describe(n)}`);
    const frame = encodeFrame(this.#transport.encrypt(encodeBinaryNode(n)));
    await new Promise<void>((resolve) => this.ws.send(frame, () => resolve()));
  }

  /** Sends an iq (or anything with an id) and resolves with the client's answer. */
  request(n: BinaryNode): Promise<BinaryNode> {
    const id = n.attrs.id ?? this.nextTag();
    n.attrs.id = id;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.send(n).catch(reject);
    });
  }

  /** `<stream:error>` then close: how the edge ends a session (515 restart, 401 unlink, 440 replaced). */
  async streamError(attrs: Record<string, string>, child?: BinaryNode): Promise<void> {
    await this.send(node('stream:error', attrs, child ? [child] : undefined));
    this.close();
  }

  /** `<failure reason=…/>` then close: a refused login. */
  async failure(reason: number): Promise<void> {
    await this.send(node('failure', { reason: String(reason), location: 'emulator' }));
    this.close();
  }

  close(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close();
    this.#closed();
  }

  /** Drops the TCP connection without a goodbye, like a network failure. */
  terminate(): void {
    this.ws.terminate();
    this.#closed();
  }

  #receive(data: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(data);
    } catch (error) {
      this.host.log(`#${this.id} framing error: ${(error as Error).message}`);
      this.terminate();
      return;
    }
    for (const frame of frames) this.#inbox = this.#inbox.then(() => this.#frame(frame)).catch((error: unknown) => {
      this.host.log(`#${this.id} dropped: ${(error as Error).message}`);
      this.terminate();
    });
  }

  async #frame(frame: Buffer): Promise<void> {
    switch (this.#stage) {
      case 'hello': {
        const certChain = this.host.ca.chainFor(this.host.serverStatic.public, this.host.certOptions());
        const { reply } = this.#noise.serverHello(frame, certChain);
        this.#stage = 'finish';
        this.ws.send(encodeFrame(reply));
        return;
      }
      case 'finish': {
        const finish = this.#noise.clientFinish(frame);
        this.clientStatic = finish.clientStatic;
        this.#transport = finish.transport;
        this.#stage = 'transport';
        await this.host.onClientPayload(this, finish.payload);
        return;
      }
      case 'transport': {
        const n = await decodeBinaryNode(this.#transport!.decrypt(frame));
        this.host.log(`#${this.id} <- ${describe(n)}`);
        const id = n.attrs.id;
        const waiter = id === undefined ? undefined : this.#waiting.get(id);
        if (waiter && (n.tag === 'iq' || n.tag === 'ack')) {
          this.#waiting.delete(id!);
          waiter.resolve(n);
          return;
        }
        await this.host.onNode(this, n);
        return;
      }
      case 'closed':
        return;
    }
  }

  #closed(): void {
    if (this.#stage === 'closed') return;
    this.#stage = 'closed';
    for (const { reject } of this.#waiting.values()) reject(new Error('connection closed'));
    this.#waiting.clear();
    for (const fn of this.#closeHandlers.splice(0)) fn();
    this.host.onClose(this);
  }
}

export { SERVER_JID };
