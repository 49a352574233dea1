// Runs the emulator on its own: `pnpm --filter @titan-connect/wa-emulator start` (built), or
// `node --conditions=source --import tsx packages/wa-emulator/src/main.ts`. Options come from
// arguments or, for containers and scripts, the environment (an argument wins):
//   --port / EMULATOR_PORT (7777; 0 picks a free one), --host / EMULATOR_HOST (127.0.0.1),
//   --public-host / EMULATOR_PUBLIC_HOST (the name other machines use), --state / EMULATOR_STATE
//   (a JSON file kept across restarts; in memory without it), --verbose.
// A server then links through it with TITAN_ENGINE=emulated TITAN_EMULATOR_URL=<the printed URL>;
// the phone is driven over HTTP.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'public-host': { type: 'string' },
    state: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;

/** One line naming what to fix, as the server does for its configuration. */
function fail(message: string): never {
  process.stderr.write(`wa-emulator: ${message}\n`);
  process.exit(1);
}

const portRaw = values.port ?? env('EMULATOR_PORT') ?? '7777';
if (!/^\d{1,5}$/.test(portRaw) || Number(portRaw) > 65535) fail(`EMULATOR_PORT / --port: "${portRaw}" is not a port number (0-65535)`);
const host = values.host ?? env('EMULATOR_HOST') ?? '127.0.0.1';
const publicHost = values['public-host'] ?? env('EMULATOR_PUBLIC_HOST');
const statePath = values.state ?? env('EMULATOR_STATE');

let emulator;
try {
  emulator = await startEmulator({
    port: Number(portRaw),
    host,
    publicHost,
    log: values.verbose ? (line) => console.log(line) : undefined,
    persistence: statePath
      ? {
          load: () => (existsSync(statePath) ? readFileSync(statePath, 'utf8') : null),
          save: (state) => writeFileSync(statePath, state, { mode: 0o600 }),
        }
      : undefined,
  });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`EMULATOR_PORT / --port: ${portRaw} is already in use`);
  throw error;
}

const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
console.log(`WhatsApp edge emulator
  waWebSocketUrl  ${emulator.url}
  root key        ${emulator.rootPublicKey.toString('hex')}  (trustEmulatorRoot / WA_CERT_DETAILS.PUBLIC_KEY)
  phone API       ${emulator.controlUrl}/phone/{scan,enter-code,send,unlink,offline,online,reject-login,accept-login,devices,logins}
  state           ${statePath ?? 'in memory (lost on exit)'}
Servers: TITAN_ENGINE=emulated TITAN_EMULATOR_URL=${emulator.controlUrl}`);
if (!loopback) {
  console.warn(`warning: listening on ${host}: the phone API has no authentication; keep this port on a private network`);
}

const stop = (): void => void emulator.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
