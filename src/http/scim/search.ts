import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { LIST_LIMITS } from '../../scim/discovery/service-provider-config.js';
import { LIST_RESPONSE_SCHEMA } from '../../scim/list-response.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../scim/schema/registry.js';
import { searchAll } from '../../provisioning/search-all.js';
import { searchRequestBody } from '../../scim/search-request.js';
import { tenantContextOf } from './authenticate.js';

/** POST {base}/.search: one query across Users and Groups (RFC 7644 §3.4.3). */
export function rootSearchRoutes(deps: Deps) {
  const sources = [
    { type: USER_RESOURCE_TYPE, list: deps.users.list.bind(deps.users) },
    { type: GROUP_RESOURCE_TYPE, list: deps.groups.list.bind(deps.groups) },
  ];
  return async (app: FastifyInstance) => {
    // RFC 7644 §3.4.3: a query, so a read-only token may send it.
    app.post('/.search', { config: { scimScope: 'scim:read' } }, async (request, reply) => {
      const raw = searchRequestBody(request.body);
      const result = await searchAll(tenantContextOf(request), sources, raw, LIST_LIMITS);
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
