import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  /** The request's path (and query), e.g. /hooks/one. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** The status the sink answered. */
  readonly status: number;
}

export interface WebhookSink {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** The status to answer the nth request (0-based) with; 204 by default. */
  respond: (n: number) => number;
  /** How long to take before answering, in ms (0 by default). */
  delayMs: number;
  /** Resolves once `count` deliveries matching `filter` have arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, filter?: (d: Delivery) => boolean, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

/** The three Standard Webhooks headers of a delivery, as the standardwebhooks package takes them. */
export function signatureHeaders(
  d: Delivery,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': String(d.headers['webhook-id']),
    'webhook-timestamp': String(d.headers['webhook-timestamp']),
    'webhook-signature': String(d.headers['webhook-signature']),
  };
}

/** A webhook receiver on 127.0.0.1 that records every request; tests close it. */
export async function webhookSink(): Promise<WebhookSink> {
  const deliveries: Delivery[] = [];
  const sink = {
    deliveries,
    respond: (_n: number) => 204,
    delayMs: 0,
  } as WebhookSink;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = sink.respond(deliveries.length);
      deliveries.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        status,
      });
      setTimeout(() => response.writeHead(status).end(), sink.delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}/hooks`,
    async waitFor(count: number, filter: (d: Delivery) => boolean = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = deliveries.filter(filter);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} deliveries within ${timeoutMs} ms, got ${matching.length}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  });
}
