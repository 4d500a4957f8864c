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

// Retries resend the same webhook-id, so it is the idempotency key. A real app stores it durably
// (a table with a unique index, or Redis with a TTL longer than the retry schedule), ideally in the
// same transaction as the work the event causes; this Set forgets everything on restart.
const seen = new Set<string>();

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
      const id = String(request.headers['webhook-id']);
      if (!seen.has(id)) {
        const event = JSON.parse(body) as { type: string; sequence: number };
        console.log(`${event.type} #${event.sequence} (${id})`);
        seen.add(id);
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
