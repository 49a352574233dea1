#!/usr/bin/env node
// `pnpm titan keys create|list|revoke` and `webhooks create|list|delete`: API key and webhook
// endpoint management against the server's store
// (`TITAN_DATABASE_URL`, else the SQLite file of `TITAN_DB`), so a self-hoster never edits SQL. Usage errors exit 2, a missing key exits 1.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { API_SCOPES, isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@titan-connect/protocol';
import { createApiKey, isTenantId, listApiKeys, parseScopes, revokeApiKey } from './api-keys.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, resolveSecret, type LoadedConfig } from './config.js';
import { HttpError } from './errors.js';
import { Webhooks } from './services/webhooks.js';
import { openStore, StoreOpenError, type Store } from './store/index.js';

export const USAGE = `Usage:
  titan keys create --tenant <id> --scopes <scope,...> [--label <text>]
  titan keys list [--tenant <id>]
  titan keys revoke <key id>
  titan webhooks create --tenant <id> --url <https url> [--events <type,...>] [--description <text>]
  titan webhooks list [--tenant <id>]
  titan webhooks delete <endpoint id>

Scopes: ${API_SCOPES.join(', ')}
Webhook events (default: all): ${WEBHOOK_EVENT_TYPES.join(', ')}
The database is TITAN_DATABASE_URL (Postgres) if set, else TITAN_DB (default ./data/titan.db).`;

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
}

class UsageError extends Error {}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

/** Runs one command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        label: { type: 'string' },
        url: { type: 'string' },
        events: { type: 'string' },
        description: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`titan: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }

  let store: Store | null = null;
  let loaded: LoadedConfig | null = null;
  const open = async (): Promise<Store> => (store = await openStore((loaded = loadConfig(io.env))));
  try {
    const [group, command, ...rest] = positionals;
    if (group === 'webhooks') {
      return await webhooksCommand(command, rest, values, io, async () => {
        const opened = await open();
        // The same secret as the server (TITAN_SECRET or its file): it seals the endpoint's whsec_.
        // Its warning (a generated secret) goes to stderr as one line, like the CLI's other messages.
        const warn = (...args: unknown[]) => io.err(`titan: ${String(args.find((a) => typeof a === 'string') ?? 'warning')}`);
        const secret = await resolveSecret(loaded!, opened, { warn } as unknown as Pick<Logger, 'warn'>);
        return new Webhooks({ store: opened, config: { ...loaded!, secret }, clock: systemClock });
      });
    }
    if (group !== 'keys') throw new UsageError(`unknown command "${group}"`);
    switch (command) {
      case 'create': {
        if (!values.tenant) throw new UsageError('--tenant is required');
        if (!isTenantId(values.tenant)) throw new UsageError(`invalid tenant id "${values.tenant}" (letters, digits, . _ -)`);
        if (!values.scopes) throw new UsageError('--scopes is required');
        let scopes;
        try {
          scopes = parseScopes(values.scopes);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const { key, record } = await createApiKey(await open(), { tenantId: values.tenant, scopes, label: values.label ?? null });
        io.out(`Created key ${record.id} for tenant "${record.tenantId}" with scopes ${record.scopes.join(',')}.`);
        io.out('Copy it now: it is stored hashed and cannot be shown again.');
        io.out(key);
        return 0;
      }
      case 'list': {
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const keys = await listApiKeys(await open(), values.tenant);
        if (keys.length === 0) {
          io.out(values.tenant ? `No keys for tenant "${values.tenant}".` : 'No keys.');
          return 0;
        }
        io.out(['id', 'tenant', 'scopes', 'label', 'created', 'last used', 'revoked'].join('\t'));
        for (const k of keys) {
          io.out([k.id, k.tenantId, k.scopes.join(','), k.label ?? '-', iso(k.createdAt), iso(k.lastUsedAt), iso(k.revokedAt)].join('\t'));
        }
        return 0;
      }
      case 'revoke': {
        const [id, ...extra] = rest;
        if (!id) throw new UsageError('the key id to revoke is required (see `titan keys list`)');
        if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
        // Accept the full key too: people paste what they have; only its id part is used.
        const keyId = /^titan_sk_([A-Za-z0-9]+)_/.exec(id)?.[1] ?? id;
        if (!(await revokeApiKey(await open(), keyId))) {
          io.err(`titan: no active key with id "${keyId}"`);
          return 1;
        }
        io.out(`Revoked key ${keyId}.`);
        return 0;
      }
      default:
        throw new UsageError(command ? `unknown keys command "${command}"` : 'missing keys command');
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`titan: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`titan: invalid configuration: ${error.message}`);
      return 2;
    }
    if (error instanceof StoreOpenError) {
      io.err(`titan: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await (store as Store | null)?.close();
  }
}

async function webhooksCommand(
  command: string | undefined,
  rest: string[],
  values: { tenant?: string; url?: string; events?: string; description?: string },
  io: CliIo,
  service: () => Promise<Webhooks>,
): Promise<number> {
  if (command === 'create') {
    if (!values.tenant) throw new UsageError('--tenant is required');
    if (!isTenantId(values.tenant)) throw new UsageError(`invalid tenant id "${values.tenant}" (letters, digits, . _ -)`);
    if (!values.url) throw new UsageError('--url is required');
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    let events: WebhookEventType[] | undefined;
    if (values.events !== undefined) {
      const names = values.events.split(',').map((e) => e.trim()).filter(Boolean);
      const unknown = names.find((name) => !isWebhookEventType(name));
      if (unknown !== undefined || names.length === 0) throw new UsageError(`--events: "${unknown ?? ''}" is not an event type (${WEBHOOK_EVENT_TYPES.join(', ')})`);
      events = [...new Set(names)] as WebhookEventType[];
    }
    let created;
    try {
      created = await (await service()).create(values.tenant, { url: values.url, events, description: values.description });
    } catch (error) {
      if (error instanceof HttpError && error.status === 400) throw new UsageError(`--${error.message}`);
      throw error;
    }
    io.out(`Created webhook endpoint ${created.id} for tenant "${values.tenant}" → ${created.url} (events: ${created.events?.join(',') ?? 'all'}).`);
    io.out('Copy its signing secret now: it is stored encrypted and cannot be shown again.');
    io.out(created.secret);
    return 0;
  }
  if (command === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    const webhooks = await service();
    const endpoints = await webhooks.listAll(values.tenant);
    if (endpoints.length === 0) {
      io.out(values.tenant ? `No webhook endpoints for tenant "${values.tenant}".` : 'No webhook endpoints.');
      return 0;
    }
    io.out(['id', 'tenant', 'url', 'events', 'enabled', 'created'].join('\t'));
    for (const e of endpoints) io.out([e.id, e.tenantId, e.url, e.events?.join(',') ?? 'all', e.enabled ? 'yes' : `no (${e.disabledReason ?? 'by hand'})`, e.createdAt].join('\t'));
    return 0;
  }
  if (command === 'delete') {
    const [id, ...extra] = rest;
    if (!id) throw new UsageError('the endpoint id to delete is required (see `titan webhooks list`)');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (!(await (await service()).deleteAny(id))) {
      io.err(`titan: no webhook endpoint with id "${id}"`);
      return 1;
    }
    io.out(`Deleted webhook endpoint ${id} and its delivery log.`);
    return 0;
  }
  throw new UsageError(command ? `unknown webhooks command "${command}"` : 'missing webhooks command');
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isEntryPoint) {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  });
}
