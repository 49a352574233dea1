// The emulator's listener: one HTTP server on loopback carrying the WhatsApp Web socket at
// `/ws/chat` (what `waWebSocketUrl` points at) and the virtual phone's HTTP control API.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { Edge } from './edge.js';
import type { EdgeOptions } from './edge.js';
import { handleControlRequest } from './http.js';
import { LoginWatch } from './logins.js';
import type { EdgeInfo } from './http.js';
import { VirtualPhone } from './phone.js';
import { EdgeSession } from './session.js';

export interface EmulatorOptions extends EdgeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default (the phone API has no authentication). */
  host?: string;
  /**
   * Host name clients use to reach it, in `url`, `controlUrl` and `GET /edge` (another
   * container's view, e.g. `wa-emulator`). Default: the listening address, or 127.0.0.1 when
   * that is a wildcard (0.0.0.0, ::).
   */
  publicHost?: string;
}

export interface WaEmulator {
  /** `ws://127.0.0.1:<port>/ws/chat`, for Baileys' `waWebSocketUrl`. */
  readonly url: string;
  /** Base URL of the HTTP control API (`/phone/*`). */
  readonly controlUrl: string;
  readonly port: number;
  /** The root key clients must trust (`trustEmulatorRoot`). */
  readonly rootPublicKey: Buffer;
  readonly edge: Edge;
  readonly phone: VirtualPhone;
  /** Logins per device, and any made while another socket of that device was live. */
  readonly logins: LoginWatch;
  close(): Promise<void>;
}

export const WS_PATH = '/ws/chat';

export const startEmulator = async (options: EmulatorOptions = {}): Promise<WaEmulator> => {
  const edge = new Edge(options);
  const phone = new VirtualPhone(edge);
  const logins = new LoginWatch(edge);
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  let info: EdgeInfo | null = null;
  const http = createServer((req, res) => {
    handleControlRequest(phone, req, res, () => info!, () => logins.stats()).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    // Offline: the edge is unreachable, so the client sees a reset connection, not an answer.
    if (edge.offline || path !== WS_PATH) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => edge.track(new EdgeSession(ws, edge)));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = http.address() as AddressInfo;
  const host = options.publicHost ?? (address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address);
  const base = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  info = { waWebSocketUrl: `ws://${base}${WS_PATH}`, rootPublicKey: edge.ca.rootPublicKey.toString('hex') };
  return {
    url: `ws://${base}${WS_PATH}`,
    controlUrl: `http://${base}`,
    port,
    rootPublicKey: edge.ca.rootPublicKey,
    edge,
    phone,
    logins,
    close: async () => {
      edge.dropAll();
      wss.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      edge.flush();
    },
  };
};
