import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { LIST_LIMITS } from '../../scim/discovery/service-provider-config.js';
import { LIST_RESPONSE_SCHEMA } from '../../scim/list-response.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import { searchAll, type SearchSource } from '../../provisioning/search-all.js';
import type { TenantContext } from '../../provisioning/context.js';
import { searchRequestBody } from '../../scim/search-request.js';
import { tenantContextOf } from './authenticate.js';

/** POST {base}/.search: one query across every resource type (RFC 7644 §3.4.3). */
export function rootSearchRoutes(deps: Deps) {
  // The tenant's own definitions, so that its extension attributes can be searched too.
  const sourcesOf = (ctx: TenantContext): SearchSource[] =>
    ctx.registry.resourceTypes.flatMap((type) => {
      const service = deps.resources.get(type.id);
      return service === undefined ? [] : [{ type, list: service.list.bind(service) }];
    });
  return async (app: FastifyInstance) => {
    // RFC 7644 §3.4.3: a query, so a read-only token may send it.
    app.post('/.search', { config: { scimScope: 'scim:read' } }, async (request, reply) => {
      const raw = searchRequestBody(request.body);
      const ctx = tenantContextOf(request);
      const result = await searchAll(ctx, sourcesOf(ctx), raw, LIST_LIMITS);
      return reply.type(SCIM_MEDIA_TYPE).send({
        schemas: [LIST_RESPONSE_SCHEMA],
        totalResults: result.total,
        startIndex: result.startIndex,
        itemsPerPage: result.resources.length,
        Resources: result.resources,
      });
    });
  };
}
