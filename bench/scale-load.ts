import { Agent, request as httpRequest } from 'node:http';

/** One request as a connection of the scale bench sends it. */
export interface ScaleRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly body?: string;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * One connection's requests, one at a time: each call gets the answer to the previous request
 * (undefined for the first), so a connection can follow a cursor from page to page; undefined
 * when it has nothing more to send.
 */
export type Connection = (previous: Answer | undefined) => ScaleRequest | undefined;

export interface LoadResult {
  /** Requests answered in the window. */
  readonly requests: number;
  readonly seconds: number;
  /** 2xx answers per second. */
  readonly rps: number;
  /** Latency in milliseconds, with sub-millisecond resolution. */
  readonly p50: number;
  readonly p99: number;
  /** Non-2xx answers and connection errors. */
  readonly failures: number;
  readonly firstFailure: string | undefined;
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function send(agent: Agent, origin: URL, headers: Record<string, string>, request: ScaleRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: request.method,
        path: request.path,
        headers:
          request.body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(request.body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/**
 * A closed loop: every connection (one keep-alive TCP connection each) sends its next request
 * as soon as the previous one is answered, until `seconds` have passed or every connection has
 * nothing more to send. Latency is timed here, in microseconds, from the request's start to its
 * answer's last byte: the scale bench compares medians of a few milliseconds, which
 * autocannon's whole-millisecond histogram (load.ts) would round to a ratio of 1.5 or 2.
 */
export async function drive(
  origin: string,
  token: string,
  connections: readonly Connection[],
  seconds: number,
): Promise<LoadResult> {
  const url = new URL(origin);
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/scim+json',
    accept: 'application/scim+json',
  };
  const latencies: number[] = [];
  let ok = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    connections.map(async (next) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        let previous: Answer | undefined;
        while (performance.now() < deadline) {
          const request = next(previous);
          if (request === undefined) break;
          const sent = performance.now();
          try {
            previous = await send(agent, url, headers, request);
          } catch (error) {
            previous = undefined;
            failures += 1;
            firstFailure ??= `${request.method} ${request.path}: ${String(error)}`;
            continue;
          }
          latencies.push(performance.now() - sent);
          if (previous.status >= 200 && previous.status <= 299) ok += 1;
          else {
            failures += 1;
            firstFailure ??= `${request.method} ${request.path}: ${previous.status} ${previous.body.slice(0, 300)}`;
          }
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: elapsed,
    rps: ok / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
    firstFailure,
  };
}
