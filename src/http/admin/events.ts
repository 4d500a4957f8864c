import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { eventJson } from '../../events/event-json.js';
import { errorResponses, tenantIdParams } from './schemas.js';

const MAX_WAIT_SECONDS = 30;

/**
 * GET /admin/v1/tenants/{id}/events: the tenant's events after a cursor, oldest first
 * (docs/events.md). The cursor is the last sequence seen; `wait` long-polls for new events.
 */
export function eventRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    // Long polls end at once when the service stops, instead of holding the shutdown up.
    const waiting = new Set<AbortController>();
    app.addHook('preClose', async () => {
      for (const controller of waiting) controller.abort();
    });

    app.get<{ Params: { id: string }; Querystring: { after?: string; limit?: string; wait?: string } }>(
      '/tenants/:id/events',
      {
        // A long poll may rightly wait MAX_WAIT_SECONDS, then reads like any request.
        ...(deps.config.limits.requestTimeoutMs > 0
          ? { config: { deadlineMs: MAX_WAIT_SECONDS * 1000 + deps.config.limits.requestTimeoutMs } }
          : {}),
        schema: {
          summary: "The tenant's change events after a cursor, in sequence order",
          description:
            "Follow nextCursor to read every event exactly once, each resource's in the order of its changes. " +
            'With wait, the request holds until an event arrives or the seconds pass.',
          tags: ['events'],
          params: tenantIdParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              after: {
                type: 'string',
                pattern: '^(0|[1-9][0-9]{0,17})$',
                description:
                  'The nextCursor of the previous page; omit it (or send 0) to start at the oldest event kept.',
              },
              // Query strings are text, and the service's ajv coerces nothing: ranges as patterns.
              limit: {
                type: 'string',
                pattern: '^([1-9][0-9]{0,2}|1000)$',
                description: 'At most this many events, 1 to 1000 (default 100).',
              },
              wait: {
                type: 'string',
                pattern: '^([0-9]|[12][0-9]|30)$',
                description: `Seconds, up to ${MAX_WAIT_SECONDS}, to wait for an event when there is none yet (default 0).`,
              },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                events: { type: 'array', items: { $ref: 'Event#' } },
                nextCursor: { type: 'string', description: 'Pass it as after to read on.' },
              },
              required: ['events', 'nextCursor'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { id } = request.params;
        await deps.tenants.get(id);
        const controller = new AbortController();
        const end = () => {
          controller.abort();
        };
        request.raw.once('close', end);
        waiting.add(controller);
        try {
          const { events, next } = await deps.events.read(
            id,
            Number(request.query.after ?? '0'),
            Number(request.query.limit ?? '100'),
            Number(request.query.wait ?? '0') * 1000,
            controller.signal,
          );
          return { events: events.map(eventJson), nextCursor: String(next) };
        } finally {
          waiting.delete(controller);
          request.raw.off('close', end);
        }
      },
    );
  };
}
