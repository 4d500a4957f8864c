/**
 * A minimal receiver for this service's webhooks, to copy from when building the app side.
 *
 * Run it with the endpoint's signing secret:
 *
 *   WEBHOOK_SECRET=whsec_... npx tsx examples/webhook-receiver.ts
 *
 * It listens on 127.0.0.1, port PORT (default 3000).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { verifyWebhook } from '../src/events/signing.js';

const secret = process.env['WEBHOOK_SECRET'];
if (secret === undefined || secret === '') {
  console.error('Set WEBHOOK_SECRET to the endpoint signing secret (whsec_...).');
  process.exit(1);
}
const port = Number(process.env['PORT'] ?? 3000);

// Each event's id is the idempotency key: a single event's webhook-id is its id, and a batch
// (a subscription with batchSize above 1) carries events that may come again in another batch
// after a crash. A real app stores the ids durably (a table with a unique index, or Redis with a
// TTL longer than the retry schedule), ideally in the same transaction as the work the event
// causes; this Set forgets everything on restart.
const seen = new Set<string>();

interface Event {
  readonly id: string;
  readonly type: string;
  readonly sequence: number;
}

// The signature covers the exact bytes sent: parsing the JSON before verifying would break it.
async function rawBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((request, response) => {
  rawBody(request)
    .then((body) => {
      if (request.method !== 'POST') return response.writeHead(405).end();
      if (!verifyWebhook(secret, request.headers, body)) return response.writeHead(401).end();
      const parsed = JSON.parse(body) as Event | { type: 'batch'; events: Event[] };
      const events = 'events' in parsed ? parsed.events : [parsed];
      for (const event of events) {
        if (seen.has(event.id)) continue;
        console.log(`${event.type} #${event.sequence} (${event.id})`);
        seen.add(event.id);
      }
      // A duplicate is acknowledged too, or the sender would keep retrying it.
      return response.writeHead(204).end();
    })
    .catch((error: unknown) => {
      console.error(error);
      response.writeHead(400).end();
    });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`Receiving webhooks on http://127.0.0.1:${port}/`);
});
