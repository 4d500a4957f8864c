import type { FastifyInstance } from 'fastify';
import { PROVIDERS } from '../../scim/compat/providers.js';
import type { Deps } from '../../deps.js';
import { sqlOf } from '../../storage/db.js';
import type { StoredRequestLogEntry } from '../../storage/request-log-store.js';
import { errorResponses, tenantIdParams } from './schemas.js';

/** A body as JSON when it is whole JSON; a body cut at 64 KiB stays the text it is. */
function body(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const present = (e: StoredRequestLogEntry) => ({
  id: String(e.id),
  receivedAt: e.receivedAt.toISOString(),
  method: e.method,
  path: e.path,
  status: e.status,
  durationMs: e.durationMs,
  provider: e.provider,
  rules: e.rules,
  requestId: e.requestId,
  requestBody: body(e.requestBody),
  responseBody: body(e.responseBody),
  caller: e.caller ?? null,
});

/**
 * GET /admin/v1/tenants/{id}/requests: the tenant's SCIM requests, newest first, what an engineer
 * opens first when a customer says provisioning is broken (issue 6, point 4).
 */
export function requestLogRoutes(deps: Deps) {
  const sql = sqlOf(deps.db);
  return async (app: FastifyInstance) => {
    app.get<{
      Params: { id: string };
      Querystring: {
        status?: string;
        provider?: string;
        since?: string;
        until?: string;
        after?: string;
        limit?: string;
      };
    }>(
      '/tenants/:id/requests',
      {
        schema: {
          summary: 'The tenant’s SCIM requests and responses, newest first',
          description:
            'Bodies have passwords, tokens and secrets redacted. Pass nextCursor as after for older requests.',
          tags: ['requests'],
          params: tenantIdParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'string', pattern: '^[1-5][0-9]{2}$', description: 'Only responses with this status.' },
              provider: {
                type: 'string',
                enum: [...PROVIDERS],
                description: 'Only requests from this identity provider.',
              },
              since: {
                type: 'string',
                format: 'date-time',
                description: 'Only requests received at or after this time.',
              },
              until: { type: 'string', format: 'date-time', description: 'Only requests received before this time.' },
              after: {
                type: 'string',
                pattern: '^[1-9][0-9]{0,17}$',
                description: 'The nextCursor of the previous page.',
              },
              limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000 (default 100).' },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                requests: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      receivedAt: { type: 'string', format: 'date-time' },
                      method: { type: 'string' },
                      path: { type: 'string' },
                      status: { type: 'integer' },
                      durationMs: { type: 'integer' },
                      provider: { type: 'string' },
                      rules: { type: 'array', items: { type: 'string' } },
                      requestId: { type: 'string' },
                      requestBody: {},
                      responseBody: {},
                      caller: {
                        type: ['string', 'null'],
                        description: 'Who called, for an MCP tool call (its SCIM token, or the local stdio host).',
                      },
                    },
                  },
                },
                nextCursor: { type: ['string', 'null'], description: 'null when there is nothing older.' },
              },
              required: ['requests', 'nextCursor'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { id } = request.params;
        await deps.tenants.get(id);
        const limit = Number(request.query.limit ?? '100');
        const entries = await deps.requestLogStore.list(sql, id, {
          limit,
          ...(request.query.after === undefined ? {} : { before: Number(request.query.after) }),
          ...(request.query.status === undefined ? {} : { status: Number(request.query.status) }),
          ...(request.query.provider === undefined ? {} : { provider: request.query.provider }),
          ...(request.query.since === undefined ? {} : { since: new Date(request.query.since) }),
          ...(request.query.until === undefined ? {} : { until: new Date(request.query.until) }),
        });
        const last = entries.at(-1);
        return {
          requests: entries.map(present),
          nextCursor: entries.length === limit && last !== undefined ? String(last.id) : null,
        };
      },
    );
  };
}
