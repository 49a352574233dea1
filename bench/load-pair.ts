// Two HTTP targets loaded alike with autocannon, in alternating rounds (server.bench.ts and
// cluster.bench.ts: each a ratio of the app to a bare baseline measured in the same run).
import { spawn } from 'node:child_process';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Sample {
  requests: number;
  seconds: number;
  p99: number[];
}

export interface PairOptions {
  connections: number;
  warmupS: number;
  rounds: number;
  roundS: number;
}

function load(target: Target, duration: number, connections: number) {
  return autocannon({
    url: target.url,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
  });
}

/**
 * Alternates short rounds of the two targets, so load from anything else on the machine falls
 * on both alike instead of skewing whichever ran during a busy moment.
 */
export async function measurePair(a: Target, b: Target, o: PairOptions): Promise<[Sample, Sample]> {
  await load(a, o.warmupS, o.connections);
  await load(b, o.warmupS, o.connections);
  const samples: [Sample, Sample] = [
    { requests: 0, seconds: 0, p99: [] },
    { requests: 0, seconds: 0, p99: [] },
  ];
  for (let round = 0; round < o.rounds; round++) {
    for (const [i, target] of [a, b].entries()) {
      const result = await load(target, o.roundS, o.connections);
      const failures = result.non2xx + result.errors;
      if (failures > 0) throw new Error(`${target.url}: ${failures} failed requests`);
      samples[i]!.requests += result.requests.total;
      samples[i]!.seconds += result.duration;
      samples[i]!.p99.push(result.latency.p99);
    }
  }
  return samples;
}

export const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** The ports of a bare baseline and the real app, and an API key for the app. */
export interface PairTargets {
  bare: number;
  app: number;
  apiKey: string;
}

/**
 * The child side: listens both handlers on loopback, prints their ports as one JSON line, and
 * runs `cleanup` once the parent closes stdin.
 */
export async function serveTargetPair(bare: RequestListener, app: RequestListener, apiKey: string, cleanup: () => Promise<void>): Promise<void> {
  const listen = (handler: RequestListener) =>
    new Promise<number>((resolve) => {
      const server = createServer(handler).listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const targets: PairTargets = { bare: await listen(bare), app: await listen(app), apiKey };
  process.stdout.write(JSON.stringify(targets) + '\n');
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await cleanup();
    process.exit(0);
  });
}

/**
 * The parent side: runs `file` as a child with `flag` (the servers get their own event loop,
 * apart from the load generator), hands `measure` the ports it prints, and always ends it.
 */
export async function withTargetPair<T>(
  file: string,
  flag: string,
  options: { nodeArgs?: string[]; hint?: string },
  measure: (targets: PairTargets) => Promise<T>,
): Promise<T> {
  const { nodeArgs = [], hint = '' } = options;
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', file, flag], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`bench target exited with ${code}${hint}`)));
    });
    return await measure(JSON.parse(firstLine) as PairTargets);
  } finally {
    // Closing stdin lets the child clean up (and write its profile); kill it if it hangs.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end();
    const timer = setTimeout(() => child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
