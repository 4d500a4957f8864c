import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { StoredEvent } from '../storage/outbox.js';
import { batchJson, eventJson } from './event-json.js';
import { webhookHeaders, type SigningSecrets } from './signing.js';
import { checkWebhookUrl, guardedLookup, resolveWebhookTarget } from './target-guard.js';

export interface DeliveryOptions {
  readonly timeoutMs: number;
  readonly allowPrivateTargets: boolean;
  /** Unix milliseconds; the signature's timestamp. */
  readonly now?: () => number;
}

/** What one POST carries: its Standard Webhooks message id and the body that is signed. */
export interface WebhookMessage {
  readonly id: string;
  readonly body: string;
}

/** One event alone, as every subscription with batchSize 1 receives it: webhook-id is the event's id. */
export function eventMessage(event: StoredEvent): WebhookMessage {
  return { id: event.id, body: JSON.stringify(eventJson(event)) };
}

/**
 * Consecutive events in one body (docs/events.md, "Batches"). The webhook-id is derived from the
 * ids of the events it carries, in order: a retry, which carries the same events, has the same
 * id, and any other set of events another one, whichever subscription sends it. (Standard
 * Webhooks: the id is "the same when the same webhook is being resent".) Never a full stop,
 * which the signed content `{id}.{timestamp}.{body}` forbids.
 */
export function batchMessage(events: readonly StoredEvent[]): WebhookMessage {
  const digest = createHash('sha256')
    .update(events.map((e) => e.id).join(','))
    .digest('hex');
  return { id: `batch_${digest.slice(0, 32)}`, body: JSON.stringify(batchJson(events)) };
}

/** What a subscription sends for `events`: each alone with batchSize 1, else a batch (even of one). */
export function webhookMessage(events: readonly [StoredEvent, ...StoredEvent[]], batchSize: number): WebhookMessage {
  return batchSize === 1 ? eventMessage(events[0]) : batchMessage(events);
}

export type DeliveryOutcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly status?: number; readonly error: string };

const USER_AGENT = 'scim-provisioning-service webhooks';

// Deliveries to one endpoint follow each other closely: keeping the connection open saves a
// TCP (and TLS) handshake per event. An address is checked when a connection is made, and a
// kept connection stays with that address.
const agents = new Map<string, http.Agent>();
function agentFor(protocol: string, allowPrivate: boolean): http.Agent {
  const key = `${protocol}${String(allowPrivate)}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    const options = { keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 64, timeout: 30_000 };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}
// The receiver's answer is only read to free the socket; nobody needs more than its start.
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One signed POST of one message, an event or a batch (Standard Webhooks: its webhook-id is the
 * same on every retry, so a receiver de-duplicates retries by it), with one signature per secret
 * in `secrets`. Any 2xx is success; redirects are not followed, since a redirect could lead
 * anywhere the target check did not look. The connection goes only to an address guardedLookup
 * accepted, checked after DNS resolution, every time.
 */
export async function deliver(
  url: string,
  secrets: SigningSecrets,
  message: WebhookMessage,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const checked = checkWebhookUrl(url);
  if ('problem' in checked) return { ok: false, error: checked.problem };
  const target = checked.url;
  // Node does not call `lookup` for an IP-literal host: such a target is judged here. A host
  // name is judged by guardedLookup, on the address actually connected to.
  if (isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0) {
    const resolved = await resolveWebhookTarget(target, { allowPrivate: options.allowPrivateTargets });
    if ('problem' in resolved) return { ok: false, error: resolved.problem };
  }
  const { body } = message;
  const timestamp = Math.floor((options.now ?? Date.now)() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': USER_AGENT,
    ...webhookHeaders(secrets, message.id, timestamp, body),
  };
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise<DeliveryOutcome>((resolve) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers,
        lookup: guardedLookup(options.allowPrivateTargets),
        signal: AbortSignal.timeout(options.timeoutMs),
        agent: agentFor(target.protocol, options.allowPrivateTargets),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () => {
          resolve(
            status >= 200 && status < 300
              ? { ok: true, status }
              : { ok: false, status, error: `The endpoint answered HTTP ${status}.` },
          );
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.name === 'TimeoutError' || error.name === 'AbortError'
          ? `No answer within ${options.timeoutMs} ms.`
          : error.message;
      resolve({ ok: false, error: reason });
    });
    request.end(body);
  });
}
