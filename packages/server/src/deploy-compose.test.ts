// deploy/compose.yaml, deploy/Caddyfile and the Dockerfile as files (no Docker daemon here): the
// services and images docs/scale-out.md promises, two instances that cannot drift apart (one
// image, one secret, one database, one Redis), health-gated start order, and a proxy that never
// buffers SSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  env_file?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  networks?: string[];
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: { subnet: string }[] } }>;
}

// `merge`: the instances share their settings through YAML merge keys (`<<: *titan`).
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as Compose;
const { services } = compose;
const INSTANCES = ['titan-a', 'titan-b'] as const;

test('compose: Postgres 16, Redis 7, two Titan instances and a Caddy proxy', () => {
  assert.deepEqual(Object.keys(services).sort(), ['postgres', 'proxy', 'redis', 'titan-a', 'titan-b']);
  const IMAGES: [string, RegExp][] = [
    ['postgres', /^postgres:16(-|$)/],
    ['redis', /^redis:7(-|$)/],
    ['proxy', /^caddy:2(-|$)/],
  ];
  for (const [name, image] of IMAGES) assert.match(services[name]!.image ?? '', image, name);
  // Only the proxy is reachable from outside.
  for (const name of ['postgres', 'redis', ...INSTANCES]) assert.equal(services[name]!.ports, undefined, `${name} publishes no port`);
  assert.deepEqual(services.proxy!.ports, ['80:80', '443:443']);
});

test('compose: both instances run one image built from the Dockerfile, with the same secret, database and Redis', () => {
  const [a, b] = INSTANCES.map((name) => services[name]!);
  assert.equal(a!.image, b!.image);
  assert.deepEqual(a!.build, b!.build);
  assert.ok(existsSync(join(ROOT, 'deploy', a!.build!.context, a!.build!.dockerfile)), 'the build context holds the Dockerfile');
  // The secret comes from the one env file, never from a per-instance value.
  assert.deepEqual(a!.env_file, b!.env_file);
  assert.equal(a!.env_file, '.env');
  for (const instance of [a!, b!]) assert.equal(instance.environment!.TITAN_SECRET, undefined, 'TITAN_SECRET only from the env file');
  assert.match(read('deploy/env.example'), /^TITAN_SECRET=/m);
  assert.match(read('deploy/env.example'), /^PUBLIC_URL=/m);

  const { TITAN_INSTANCE_ID: idA, ...envA } = a!.environment!;
  const { TITAN_INSTANCE_ID: idB, ...envB } = b!.environment!;
  assert.deepEqual(envA, envB, 'nothing but the instance name differs');
  assert.deepEqual([idA, idB], ['titan-a', 'titan-b']);
  const database = new URL(envA.TITAN_DATABASE_URL!.replace(/\$\{[^}]+\}/, 'password'));
  assert.deepEqual([database.protocol, database.hostname, database.username, database.pathname], ['postgres:', 'postgres', 'titan', '/titan']);
  assert.equal(services.postgres!.environment!.POSTGRES_USER, 'titan');
  assert.equal(services.postgres!.environment!.POSTGRES_DB, 'titan');
  assert.equal(new URL(envA.TITAN_REDIS_URL!).hostname, 'redis');
  // X-Forwarded-For is believed from the compose network, which is where the proxy is.
  assert.equal(envA.TITAN_TRUST_PROXY, compose.networks[services.proxy!.networks![0]!]!.ipam.config[0]!.subnet);
});

test('compose: every variable the instances get is documented (README or docs/scale-out.md)', () => {
  const docs = read('README.md') + read('docs/scale-out.md');
  const fromEnvFile = [...read('deploy/env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  const names = [...Object.keys(services['titan-a']!.environment!), ...fromEnvFile].filter((n) => !['POSTGRES_PASSWORD', 'SITE_ADDRESS'].includes(n));
  for (const name of names) assert.ok(docs.includes(`\`${name}\``), `${name} is documented`);
});

test('compose: start order follows health (databases, then ready instances, then the proxy)', () => {
  const healthy = (service: Service) => Object.fromEntries(Object.entries(service.depends_on ?? {}).map(([name, d]) => [name, d.condition]));
  for (const name of INSTANCES) {
    assert.deepEqual(healthy(services[name]!), { postgres: 'service_healthy', redis: 'service_healthy' }, name);
    assert.ok(services[name]!.healthcheck!.test.join(' ').includes('/readyz'), `${name} is healthy when ready, not merely up`);
  }
  assert.deepEqual(healthy(services.proxy!), { 'titan-a': 'service_healthy', 'titan-b': 'service_healthy' });
  for (const name of ['postgres', 'redis']) assert.ok(services[name]!.healthcheck, `${name} has a health check`);
});

test('Caddyfile: both instances behind it, SSE never buffered, only ready instances get traffic, /metrics not public', () => {
  const caddyfile = read('deploy/Caddyfile');
  assert.match(caddyfile, /reverse_proxy titan-a:3000 titan-b:3000 \{/);
  assert.match(caddyfile, /^\s*flush_interval -1$/m);
  assert.match(caddyfile, /^\s*health_uri \/readyz$/m);
  assert.match(caddyfile, /@metrics path \/metrics\s+respond @metrics 404/);
});

test('Dockerfile: multi-stage, pnpm deploy, non-root, port 3000, health check on /healthz', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.equal(stages.length, 2, 'build and runtime stages');
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
  // The repository's own pnpm, so the lockfile reads the same.
  const pnpm = /"packageManager": "(pnpm@[^"]+)"/.exec(read('package.json'))![1]!;
  assert.ok(dockerfile.includes(`RUN npm install -g ${pnpm}\n`), `the image installs ${pnpm}`);
  assert.match(dockerfile, /^RUN pnpm install --offline --frozen-lockfile$/m);
  assert.match(dockerfile, /^RUN pnpm build$/m);
  assert.match(dockerfile, /^RUN pnpm --filter @titan-connect\/server deploy --prod \/out/m);
  assert.match(dockerfile, /^COPY --from=build \/out \/app$/m);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^EXPOSE 3000$/m);
  assert.match(dockerfile, /^HEALTHCHECK [\s\S]*\/healthz/m);
  assert.match(dockerfile, /^CMD \["node", "dist\/main\.js"\]$/m);
  assert.match(dockerfile, /^VOLUME \["\/data"\]$/m);
  for (const ignored of ['.git', '**/node_modules', '**/dist', 'deploy/.env']) {
    assert.ok(read('.dockerignore').split('\n').includes(ignored), `.dockerignore: ${ignored}`);
  }
});
