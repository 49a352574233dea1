// Runs the emulator on its own: `node --conditions=source --import tsx packages/wa-emulator/src/main.ts
// [--port 7777] [--state ./data/wa-emulator.json]`. A Baileys program in another process can then
// use `waWebSocketUrl` and trust the printed root key; the phone is driven over HTTP.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7777' },
    host: { type: 'string', default: '127.0.0.1' },
    state: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const statePath = values.state;
const emulator = await startEmulator({
  port: Number(values.port),
  host: values.host,
  log: values.verbose ? (line) => console.log(line) : undefined,
  persistence: statePath
    ? {
        load: () => (existsSync(statePath) ? readFileSync(statePath, 'utf8') : null),
        save: (state) => writeFileSync(statePath, state, { mode: 0o600 }),
      }
    : undefined,
});

console.log(`WhatsApp edge emulator
  waWebSocketUrl  ${emulator.url}
  root key        ${emulator.rootPublicKey.toString('hex')}  (trustEmulatorRoot / WA_CERT_DETAILS.PUBLIC_KEY)
  phone API       ${emulator.controlUrl}/phone/{scan,enter-code,unlink,offline,online,reject-login,accept-login,devices,logins}
  state           ${statePath ?? 'in memory (lost on exit)'}`);

const stop = (): void => void emulator.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
