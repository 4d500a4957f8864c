import { TENANT_ID_PATTERN } from '../../tenancy/tenants.js';

// JSON Schemas of the admin API: Fastify validates requests with them, serializes responses
// with them, and @fastify/swagger publishes them at /docs.

export const errorSchema = {
  $id: 'AdminError',
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
  required: ['statusCode', 'error', 'message'],
} as const;

export const tenantSchema = {
  $id: 'Tenant',
  type: 'object',
  properties: {
    id: { type: 'string', pattern: TENANT_ID_PATTERN },
    name: { type: 'string' },
    scimBaseUrl: { type: 'string', format: 'uri', description: 'Give this URL to the identity provider.' },
    provider: {
      type: ['string', 'null'],
      description: 'The identity provider declared for the tenant; null: recognised from each request.',
    },
    deletePolicy: {
      type: 'string',
      enum: ['delete', 'deactivate'],
      description: 'What DELETE /Users/{id} does: remove the user, or deactivate it (soft delete).',
    },
    unknownExtensions: {
      type: 'string',
      enum: ['reject', 'accept'],
      description: 'What an extension URN the tenant never declared gets (docs/schemas.md).',
    },
    ownerlessAgents: {
      type: 'string',
      enum: ['deactivate', 'keep'],
      description: 'What an agent gets when its last owner is deprovisioned (docs/agents.md).',
    },
    createdAt: { type: 'string', format: 'date-time' },
  },
  required: [
    'id',
    'name',
    'scimBaseUrl',
    'provider',
    'deletePolicy',
    'unknownExtensions',
    'ownerlessAgents',
    'createdAt',
  ],
} as const;

export const tokenSchema = {
  $id: 'ScimToken',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    description: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'description', 'scopes', 'createdAt', 'expiresAt', 'revokedAt'],
} as const;

export const portalLinkSchema = {
  $id: 'PortalLink',
  type: 'object',
  description: 'A setup link for the tenant’s IT admin (docs/portals.md); its secret is shown once, in url.',
  properties: {
    id: { type: 'string', format: 'uuid' },
    description: { type: 'string' },
    allowSettings: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'description', 'allowSettings', 'createdAt', 'expiresAt', 'revokedAt'],
} as const;

export const eventSchema = {
  $id: 'Event',
  type: 'object',
  description: 'A change event; webhook bodies have the same shape (docs/events.md).',
  properties: {
    id: { type: 'string', format: 'uuid', description: 'Unique; receivers de-duplicate by it.' },
    type: { type: 'string' },
    tenantId: { type: 'string' },
    sequence: {
      type: 'integer',
      description: "Per tenant, from 1, without gaps; a resource's events in the order of its changes.",
    },
    occurredAt: { type: 'string', format: 'date-time' },
    resourceType: { type: 'string', description: 'The resource type\'s id: "User", "Group".' },
    resourceId: { type: 'string', format: 'uuid' },
    externalId: { type: ['string', 'null'] },
    data: { type: 'object', additionalProperties: true },
    mapped: {
      type: ['object', 'null'],
      additionalProperties: true,
      description: "The resource in the app's own model (the tenant's attribute mapping); null for member events.",
    },
    changedAttributes: { type: 'array', items: { type: 'string' } },
  },
  required: [
    'id',
    'type',
    'tenantId',
    'sequence',
    'occurredAt',
    'resourceType',
    'resourceId',
    'externalId',
    'data',
    'mapped',
    'changedAttributes',
  ],
} as const;

export const webhookSchema = {
  $id: 'Webhook',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    batchSize: {
      type: 'integer',
      description:
        'Events per POST: 1, each event alone; more, batches of up to that many (docs/events.md, "Batches").',
    },
    enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'], description: 'Why it is disabled, when it is.' },
    deliveredSequence: { type: 'integer', description: 'The last event sequence handled.' },
    failingSince: { type: ['string', 'null'], format: 'date-time' },
    attempts: { type: 'integer', description: 'Failed attempts at the current delivery (an event, or a batch).' },
    lastError: { type: ['string', 'null'] },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    previousSecretExpiresAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description:
        'After a secret rotation: until when deliveries are signed with the previous secret too (WEBHOOK_SECRET_OVERLAP_SECONDS).',
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: [
    'id',
    'url',
    'events',
    'batchSize',
    'enabled',
    'disabledReason',
    'deliveredSequence',
    'failingSince',
    'attempts',
    'lastError',
    'nextAttemptAt',
    'previousSecretExpiresAt',
    'createdAt',
    'updatedAt',
  ],
} as const;

export const webhookFailureSchema = {
  $id: 'WebhookFailure',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    eventSequence: { type: 'integer' },
    eventId: { type: 'string', format: 'uuid' },
    attempts: { type: 'integer' },
    lastError: { type: 'string' },
    failedAt: { type: 'string', format: 'date-time' },
    replayedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'eventSequence', 'eventId', 'attempts', 'lastError', 'failedAt', 'replayedAt'],
} as const;

export const tenantIdParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: TENANT_ID_PATTERN } },
  required: ['id'],
} as const;

export const errorResponses = {
  400: { $ref: 'AdminError#' },
  401: { $ref: 'AdminError#' },
  404: { $ref: 'AdminError#' },
  409: { $ref: 'AdminError#' },
} as const;

/** Shared schemas, added at the root so OpenAPI generation can resolve their references. */
export const adminSchemas = [
  errorSchema,
  tenantSchema,
  tokenSchema,
  portalLinkSchema,
  eventSchema,
  webhookSchema,
  webhookFailureSchema,
];
