// Two HTTP targets loaded alike with autocannon, in alternating rounds (server.bench.ts and
// cluster.bench.ts: each a ratio of the app to a bare baseline measured in the same run).
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
