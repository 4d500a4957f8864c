import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { eventJson } from '../../events/event-json.js';
import { errorResponses, tenantIdParams } from './schemas.js';

/**
 * What the console's health view and a user's timeline read (issue 14): event delivery across
 * tenants, and one resource's change events in order.
 */
export function healthAdminRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.get(
      '/health',
      {
        schema: {
          summary: 'Event delivery across tenants: lag, unnumbered events, failing and disabled webhooks',
          tags: ['events'],
          response: {
            200: {
              type: 'object',
              properties: {
                oldestUndeliveredAgeSeconds: {
                  type: 'number',
                  description: 'Age of the oldest event an enabled webhook has not received yet (0: none waits).',
                },
                unnumberedEvents: {
                  type: 'integer',
                  description: 'Committed events the sequencer has not numbered yet.',
                },
                failingSubscriptions: { type: 'integer' },
                disabledSubscriptions: { type: 'integer' },
              },
              required: [
                'oldestUndeliveredAgeSeconds',
                'unnumberedEvents',
                'failingSubscriptions',
                'disabledSubscriptions',
              ],
            },
            ...errorResponses,
          },
        },
      },
      async () => deps.webhooks.health(),
    );

    app.get<{ Params: { id: string; resourceId: string }; Querystring: { limit?: string } }>(
      '/tenants/:id/resources/:resourceId/events',
      {
        schema: {
          summary: "One user's or group's change events, oldest first (its timeline)",
          tags: ['events'],
          params: {
            type: 'object',
            properties: { ...tenantIdParams.properties, resourceId: { type: 'string', format: 'uuid' } },
            required: ['id', 'resourceId'],
          },
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000 (default 200).' },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { events: { type: 'array', items: { $ref: 'Event#' } } },
              required: ['events'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { id, resourceId } = request.params;
        await deps.tenants.get(id);
        const events = await deps.events.ofResource(id, resourceId.toLowerCase(), Number(request.query.limit ?? '200'));
        return { events: events.map(eventJson) };
      },
    );
  };
}
