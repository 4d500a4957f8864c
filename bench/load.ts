import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios.js';

export interface LoadOptions {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Requests per second, evenly spaced (bench/events.ts); unset: as fast as the server answers. */
  readonly rate?: number;
}

/** What one operation measured against one server. */
export interface Measurement {
  /** Successful (2xx) responses per second over the measured window. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Requests sent, warm-up included. */
  readonly sent: number;
  /** Non-2xx responses and connection errors or timeouts, warm-up excluded. */
  readonly failures: number;
  /** The first non-2xx response seen, warm-up included, to tell what went wrong. */
  readonly firstFailure: string | undefined;
}

function run(
  origin: string,
  headers: Record<string, string>,
  next: () => BenchRequest,
  onFailure: (status: number, body: string) => void,
  connections: number,
  seconds: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: origin,
    connections,
    duration: seconds,
    headers,
    requests: [
      {
        // Called for every request, so each one can name another user or carry a new body.
        setupRequest: (request) => ({ ...request, ...next() }),
        onResponse: (status, body) => {
          if (status < 200 || status > 299) onFailure(status, body);
        },
      },
    ],
  });
}

/** A warm-up run (discarded), then the measured one, with the same request generator. */
export async function measure(
  origin: string,
  token: string,
  next: () => BenchRequest,
  options: LoadOptions,
): Promise<Measurement> {
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/scim+json',
    accept: 'application/scim+json',
  };
  let firstFailure: string | undefined;
  const onFailure = (status: number, body: string) => {
    firstFailure ??= `${status} ${body.slice(0, 300)}`;
  };
  const warmup = await run(origin, headers, next, onFailure, options.connections, options.warmupSeconds);
  const result = await run(origin, headers, next, onFailure, options.connections, options.seconds);
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    sent: warmup.requests.sent + result.requests.sent,
    failures: result.non2xx + result.errors,
    firstFailure,
  };
}
