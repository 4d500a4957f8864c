import type { FastifyError, FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { BULK_LIMITS, parseBulkRequest } from '../../scim/bulk/request.js';
import { ScimError } from '../../scim/errors.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import { endpointName } from '../../scim/schema/registry.js';
import { tenantContextOf } from './authenticate.js';

/**
 * POST /Bulk (RFC 7644 §3.7). Fastify refuses a body over bodyLimit with 413 before it is parsed;
 * §3.7.4 also wants "the limit exceeded in the body of the error response", which Fastify's own
 * message does not name, so this route rewords that one error and leaves the rest to the app's
 * error handler.
 */
export function bulkRoutes(deps: Deps) {
  const { bulk } = deps;
  return async (app: FastifyInstance) => {
    app.post(
      '/Bulk',
      {
        bodyLimit: BULK_LIMITS.maxPayloadSize,
        errorHandler: (error: FastifyError) => {
          if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
            throw new ScimError(
              413,
              undefined,
              `The size of the bulk operation exceeds the maxPayloadSize (${BULK_LIMITS.maxPayloadSize}).`,
            );
          }
          throw error;
        },
      },
      async (request, reply) => {
        const ctx = tenantContextOf(request);
        const endpoints = ctx.registry.resourceTypes.map(endpointName);
        const response = await bulk.run(ctx, parseBulkRequest(request.body, BULK_LIMITS, endpoints));
        // §3.7: 200 when the bulk job was processed, whatever its operations' own statuses.
        return reply.code(200).type(SCIM_MEDIA_TYPE).send(response);
      },
    );
  };
}
