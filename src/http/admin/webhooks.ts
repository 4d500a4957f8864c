import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { EVENT_TYPES } from '../../events/catalogue.js';
import { MAX_BATCH_SIZE } from '../../events/webhooks.js';
import type { WebhookFailureRecord, WebhookRecord } from '../../storage/webhook-store.js';
import { errorResponses, tenantIdParams, webhookSchema } from './schemas.js';

const present = (w: WebhookRecord) => ({
  id: w.id,
  url: w.url,
  // Empty means every type; shown as the list it stands for, so nobody has to know that.
  events: w.eventTypes.length === 0 ? [...EVENT_TYPES] : w.eventTypes,
  batchSize: w.batchSize,
  enabled: w.enabled,
  disabledReason: w.disabledReason ?? null,
  deliveredSequence: w.deliveredSequence,
  failingSince: w.failingSince?.toISOString() ?? null,
  attempts: w.attempts,
  lastError: w.lastError ?? null,
  nextAttemptAt: w.nextAttemptAt.toISOString(),
  previousSecretExpiresAt: w.previousSecretExpiresAt?.toISOString() ?? null,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
});

const presentFailure = (f: WebhookFailureRecord) => ({
  id: f.id,
  eventSequence: f.eventSequence,
  eventId: f.eventId,
  attempts: f.attempts,
  lastError: f.lastError,
  failedAt: f.failedAt.toISOString(),
  replayedAt: f.replayedAt?.toISOString() ?? null,
});

const webhookParams = {
  type: 'object',
  properties: { ...tenantIdParams.properties, webhookId: { type: 'string', format: 'uuid' } },
  required: ['id', 'webhookId'],
} as const;

const eventsProperty = {
  type: 'array',
  items: { type: 'string', enum: EVENT_TYPES },
  minItems: 1,
  uniqueItems: true,
  description: 'The event types to receive; omit for all.',
} as const;

const batchSizeProperty = {
  type: 'integer',
  minimum: 1,
  maximum: MAX_BATCH_SIZE,
  description: `Events per POST. 1 (the default): each event is the body of its own delivery. 2 to ${MAX_BATCH_SIZE}: up to that many consecutive events, in sequence order, in one body {"type": "batch", "events": [...]}, each event as a single delivery would send it; the webhook-id names the batch and is the same on every retry, which carries the same events. Receivers de-duplicate per event id (docs/events.md, "Batches").`,
} as const;

// The subscription and, this once, its secret, side by side: {"id", "url", "events", "secret", …}.
const withSecret = {
  type: 'object',
  properties: {
    ...webhookSchema.properties,
    secret: { type: 'string', description: 'whsec_…, for verifying signatures. It is not shown again.' },
  },
  required: [...webhookSchema.required, 'secret'],
} as const;

type WebhookParams = { id: string; webhookId: string };

/** /admin/v1/tenants/{id}/webhooks: subscriptions to the tenant's events (docs/events.md). */
export function webhookRoutes(deps: Deps) {
  const { webhooks } = deps;
  return async (app: FastifyInstance) => {
    app.post<{ Params: { id: string }; Body: { url: string; events?: string[]; batchSize?: number } }>(
      '/tenants/:id/webhooks',
      {
        schema: {
          summary: 'Subscribe an endpoint to the tenant’s events (the secret is shown once)',
          tags: ['webhooks'],
          params: tenantIdParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              url: { type: 'string', maxLength: 2048 },
              events: eventsProperty,
              batchSize: batchSizeProperty,
            },
            required: ['url'],
          },
          response: { 201: withSecret, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { webhook, secret } = await webhooks.create(request.params.id, request.body);
        return reply.code(201).send({ ...present(webhook), secret });
      },
    );

    app.get<{ Params: { id: string } }>(
      '/tenants/:id/webhooks',
      {
        schema: {
          summary: 'The tenant’s webhook subscriptions (never their secrets)',
          tags: ['webhooks'],
          params: tenantIdParams,
          response: {
            200: {
              type: 'object',
              properties: { webhooks: { type: 'array', items: { $ref: 'Webhook#' } } },
              required: ['webhooks'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        await deps.tenants.get(request.params.id);
        return { webhooks: (await webhooks.list(request.params.id)).map(present) };
      },
    );

    app.get<{ Params: WebhookParams }>(
      '/tenants/:id/webhooks/:webhookId',
      {
        schema: {
          summary: 'One subscription, with its delivery state',
          tags: ['webhooks'],
          params: webhookParams,
          response: { 200: { $ref: 'Webhook#' }, ...errorResponses },
        },
      },
      async (request) => present(await webhooks.get(request.params.id, request.params.webhookId)),
    );

    app.patch<{
      Params: WebhookParams;
      Body: { url?: string; events?: string[]; batchSize?: number; enabled?: boolean };
    }>(
      '/tenants/:id/webhooks/:webhookId',
      {
        schema: {
          summary: 'Change the URL, event types or batch size, or disable and re-enable the subscription',
          description:
            'Re-enabling clears the failure state; delivery resumes after the last event handled. A new batchSize applies from the next delivery.',
          tags: ['webhooks'],
          params: webhookParams,
          body: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              url: { type: 'string', maxLength: 2048 },
              events: eventsProperty,
              batchSize: batchSizeProperty,
              enabled: { type: 'boolean' },
            },
          },
          response: { 200: { $ref: 'Webhook#' }, ...errorResponses },
        },
      },
      async (request) => present(await webhooks.update(request.params.id, request.params.webhookId, request.body)),
    );

    app.delete<{ Params: WebhookParams }>(
      '/tenants/:id/webhooks/:webhookId',
      {
        schema: {
          summary: 'Remove the subscription',
          tags: ['webhooks'],
          params: webhookParams,
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        await webhooks.delete(request.params.id, request.params.webhookId);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: WebhookParams }>(
      '/tenants/:id/webhooks/:webhookId/rotate-secret',
      {
        schema: {
          summary: 'Replace the signing secret (shown once)',
          description:
            'Until previousSecretExpiresAt (WEBHOOK_SECRET_OVERLAP_SECONDS, 24 hours by default) every delivery carries a signature with the new secret and one with the previous secret, so deliveries already under way and receivers not yet given the new secret still verify; after it, only the new one. A rotation during the overlap drops the secret before the previous one at once.',
          tags: ['webhooks'],
          params: webhookParams,
          response: { 200: withSecret, ...errorResponses },
        },
      },
      async (request) => {
        const { webhook, secret } = await webhooks.rotateSecret(request.params.id, request.params.webhookId);
        return { ...present(webhook), secret };
      },
    );

    app.get<{ Params: WebhookParams }>(
      '/tenants/:id/webhooks/:webhookId/failures',
      {
        schema: {
          summary: 'Events whose delivery failed for the whole retry window',
          tags: ['webhooks'],
          params: webhookParams,
          response: {
            200: {
              type: 'object',
              properties: { failures: { type: 'array', items: { $ref: 'WebhookFailure#' } } },
              required: ['failures'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => ({
        failures: (await webhooks.failures(request.params.id, request.params.webhookId)).map(presentFailure),
      }),
    );

    app.post<{ Params: WebhookParams & { failureId: string } }>(
      '/tenants/:id/webhooks/:webhookId/failures/:failureId/replay',
      {
        schema: {
          summary: 'Deliver a failed event again, now, and tell how it went',
          tags: ['webhooks'],
          params: {
            type: 'object',
            properties: { ...webhookParams.properties, failureId: { type: 'string', format: 'uuid' } },
            required: ['id', 'webhookId', 'failureId'],
          },
          response: {
            200: {
              type: 'object',
              properties: {
                delivered: { type: 'boolean' },
                status: { type: ['integer', 'null'], description: 'The endpoint’s HTTP status, if it answered.' },
                error: { type: ['string', 'null'] },
              },
              required: ['delivered', 'status', 'error'],
            },
            ...errorResponses,
            410: { $ref: 'AdminError#' },
          },
        },
      },
      async (request) => {
        const outcome = await webhooks.replay(request.params.id, request.params.webhookId, request.params.failureId);
        return outcome.ok
          ? { delivered: true, status: outcome.status, error: null }
          : { delivered: false, status: outcome.status ?? null, error: outcome.error };
      },
    );
  };
}
