import type { FastifyInstance, FastifyRequest } from 'fastify';
import { completeList } from '../../scim/list-response.js';
import { resourceTypeResource, schemaResource } from '../../scim/discovery/resources.js';
import { serviceProviderConfig } from '../../scim/discovery/service-provider-config.js';
import { ScimError } from '../../scim/errors.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import type { Deps } from '../../deps.js';
import { tenantContextOf } from './authenticate.js';

/**
 * RFC 7644 §4: filtering is not part of the discovery endpoints; the RFC has the provider
 * answer a filter with 403.
 */
function refuseFilter(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown>;
  if (query['filter'] !== undefined) {
    throw new ScimError(403, undefined, 'Filtering is not supported on discovery endpoints (RFC 7644 §4).');
  }
}

/** RFC 7644 §4 and RFC 7643 §5–7, per tenant: each tenant sees its own schema extensions. */
export function discoveryRoutes(deps: Deps) {
  const { config } = deps;
  const documentationUri = `${config.publicUrl}/docs`;
  return async (app: FastifyInstance) => {
    const base = (request: FastifyRequest) => tenantContextOf(request).baseUrl;

    app.get('/ServiceProviderConfig', async (request, reply) => {
      refuseFilter(request);
      return reply.type(SCIM_MEDIA_TYPE).send(serviceProviderConfig({ baseUrl: base(request), documentationUri }));
    });

    app.get('/Schemas', async (request, reply) => {
      refuseFilter(request);
      const baseUrl = base(request);
      const { registry } = tenantContextOf(request);
      return reply.type(SCIM_MEDIA_TYPE).send(completeList(registry.schemas.map((s) => schemaResource(s, baseUrl))));
    });

    app.get<{ Params: { schemaId: string } }>('/Schemas/:schemaId', async (request, reply) => {
      refuseFilter(request);
      const schema = tenantContextOf(request).registry.schema(request.params.schemaId);
      if (schema === undefined) throw new ScimError(404, undefined, `No schema with id "${request.params.schemaId}".`);
      return reply.type(SCIM_MEDIA_TYPE).send(schemaResource(schema, base(request)));
    });

    app.get('/ResourceTypes', async (request, reply) => {
      refuseFilter(request);
      const baseUrl = base(request);
      const { registry } = tenantContextOf(request);
      return reply
        .type(SCIM_MEDIA_TYPE)
        .send(completeList(registry.resourceTypes.map((t) => resourceTypeResource(t, baseUrl))));
    });

    app.get<{ Params: { typeId: string } }>('/ResourceTypes/:typeId', async (request, reply) => {
      refuseFilter(request);
      const type = tenantContextOf(request).registry.resourceType(request.params.typeId);
      if (type === undefined)
        throw new ScimError(404, undefined, `No resource type with id "${request.params.typeId}".`);
      return reply.type(SCIM_MEDIA_TYPE).send(resourceTypeResource(type, base(request)));
    });
  };
}
