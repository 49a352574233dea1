import type { ConnectedPayload, LinkStatus, PairingCodePayload, QrPayload, WidgetState } from '@titan-connect/protocol';

export const TOKEN = 'test.widget.token';
export const WIDGET_URL = `${location.origin}/widget/connect?token=${TOKEN}`;

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/** A QR-looking module grid (finder patterns + seeded noise) as one SVG path, like the server's. */
export function fakeQrPath(modules = 29, seed = 7): string {
  const dark = (x: number, y: number): boolean => {
    for (const [fx, fy] of [[0, 0], [modules - 7, 0], [0, modules - 7]] as const) {
      const dx = x - fx;
      const dy = y - fy;
      if (dx >= -1 && dx <= 7 && dy >= -1 && dy <= 7) {
        if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return false;
        const ring = Math.min(dx, dy, 6 - dx, 6 - dy);
        return ring !== 1;
      }
    }
    const n = Math.sin(x * 12.9898 + y * 78.233 + seed) * 43758.5453;
    return n - Math.floor(n) > 0.5;
  };
  let d = '';
  for (let y = 0; y < modules; y++) for (let x = 0; x < modules; x++) if (dark(x, y)) d += `M${x} ${y}h1v1h-1z`;
  return d;
}

export const qr = (overrides: Partial<QrPayload> = {}): QrPayload => ({
  qr: '2@ref,noise,identity,adv,1',
  expiresAt: inSeconds(60),
  attempt: 1,
  maxAttempts: 6,
  svgPath: fakeQrPath(),
  modules: 29,
  ...overrides,
});

export const pairingCode = (overrides: Partial<PairingCodePayload> = {}): PairingCodePayload => ({
  code: 'ABCD1234',
  phoneNumber: '5511912345678',
  expiresAt: inSeconds(120),
  ...overrides,
});

export const connected = (overrides: Partial<ConnectedPayload> = {}): ConnectedPayload => ({
  session: 'shop-42',
  method: 'qr',
  phone: '5511912345678',
  pushName: 'Ana',
  ...overrides,
});

/** A widget session snapshot; mode `all` offering QR and pairing, with a live QR. */
export const widgetState = (overrides: Partial<WidgetState> = {}): WidgetState => ({
  mode: 'all',
  session: 'shop-42',
  status: 'CONNECTING',
  statusReason: 'SCAN_QR',
  phase: 'qr',
  methods: ['qr', 'pairing'],
  qr: qr(),
  pairingCode: null,
  connected: null,
  failure: null,
  expired: null,
  meta: null,
  locale: 'en',
  expiresAt: inSeconds(900),
  messageTargetOrigin: '*',
  allowedOrigins: [],
  ...overrides,
});

/** The server's decision after an event (`data.state`); by default a QR link in progress. */
export const linkStatus = (overrides: Partial<LinkStatus> = {}): LinkStatus => ({
  phase: 'qr',
  status: 'CONNECTING',
  statusReason: 'SCAN_QR',
  methods: ['qr', 'pairing'],
  ...overrides,
});

/** What the server stamps on events in the common flows. */
export const AFTER = {
  qr: linkStatus(),
  pairing: linkStatus({ phase: 'pairing', statusReason: 'PAIRING_CODE' }),
  connected: linkStatus({ phase: 'connected', status: 'CONNECTED', statusReason: null }),
  qrTimeout: linkStatus({ phase: 'expired', status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT' }),
  failed: linkStatus({ phase: 'failed', status: 'DISCONNECTED', statusReason: 'FAILED' }),
} as const;

/** An event payload as the server sends it: with the state after it. */
export const stamped = <T extends object>(payload: T, state: LinkStatus = AFTER.qr): T & { state: LinkStatus } => ({ ...payload, state });

export { inSeconds };
