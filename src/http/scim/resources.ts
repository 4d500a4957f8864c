import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../scim/errors.js';
import { LIST_RESPONSE_SCHEMA } from '../../scim/list-response.js';
import { parseAttributeList, parseListQuery, type ListLimits, type ListQuery } from '../../scim/list-query.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import { ID_ONLY, project, type Projection } from '../../scim/projection.js';
import type { JsonObject } from '../../scim/resource/json.js';
import { etagOf } from '../../scim/resource/representation.js';
import type { ResourceTypeDefinition } from '../../scim/schema/registry.js';
import { typeHolding } from '../../scim/schema/open-extensions.js';
import { matchesIfNoneMatch } from '../../provisioning/preconditions.js';
import type { ListResult, ResourceResult, ResourceService } from '../../provisioning/resources.js';
import { isUuid } from '../../scim/resource/ids.js';
import { searchRequestBody } from '../../scim/search-request.js';
import { RULES } from '../../scim/compat/rules.js';
import { tenantContextOf } from './authenticate.js';

type Params = { tenantId: string; id: string };
type Query = Record<string, string | undefined>;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export interface ResourceRouteOptions {
  /**
   * Answer PATCH with 204 No Content unless the client names attributes (RFC 7644 §3.5.2
   * allows it): a membership change to a large group then never sends the whole member list.
   */
  readonly patchWithoutContent?: boolean;
}

/**
 * The RFC 7644 §3 endpoints of one resource type under /scim/v2/{tenantId}: create, read,
 * list and search, replace, modify, delete. Every response carrying resources is projected by
 * `attributes` / `excludedAttributes` (§3.4.2.5, §3.9).
 */
export function resourceRoutes(
  builtIn: ResourceTypeDefinition,
  service: ResourceService,
  limits: ListLimits,
  options: ResourceRouteOptions = {},
) {
  return async (app: FastifyInstance) => {
    const context = tenantContextOf;
    // The tenant's own definition of the type: the built-in one with the tenant's extensions.
    const typeOf = (request: FastifyRequest) => tenantContextOf(request).registry.type(builtIn.id);
    // Filters as providers write them (scim/compat rule filter-value-path-sub-attribute).
    const lenientFilter = (request: FastifyRequest) => ({
      onValuePathSubAttribute: () => tenantContextOf(request).rules?.add(RULES.filterValuePathSubAttribute.name),
    });
    const projectionOf = (request: FastifyRequest<{ Querystring: Query }>): Projection => {
      const type = typeOf(request);
      const attributes = parseAttributeList(type, 'attributes', request.query.attributes);
      const excludedAttributes = parseAttributeList(type, 'excludedAttributes', request.query.excludedAttributes);
      return {
        ...(attributes === undefined ? {} : { attributes }),
        ...(excludedAttributes === undefined ? {} : { excludedAttributes }),
      };
    };
    const sendResource = (
      request: FastifyRequest,
      reply: FastifyReply,
      result: ResourceResult,
      projection: Projection,
      status = 200,
    ) =>
      reply
        .code(status)
        .type(SCIM_MEDIA_TYPE)
        .header('ETag', etagOf(result.version))
        .send(project(typeHolding(typeOf(request), result.resource), result.resource, projection));
    const sendList = (request: FastifyRequest, reply: FastifyReply, result: ListResult, query: ListQuery) => {
      const type = typeOf(request);
      return reply.type(SCIM_MEDIA_TYPE).send({
        schemas: [LIST_RESPONSE_SCHEMA],
        totalResults: result.total,
        // RFC 9865: a cursor page has no startIndex, and nextCursor only when more follow.
        ...(query.cursor === undefined ? { startIndex: query.startIndex } : {}),
        itemsPerPage: result.resources.length,
        ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }),
        Resources: result.resources.map((r) => project(typeHolding(type, r), r, query.projection)),
      });
    };
    const checkedId = (id: string) => {
      // Ids are UUIDs; anything else names no resource (and must not reach a uuid cast).
      if (!isUuid(id)) throw new ScimError(404, undefined, `${builtIn.name} ${id} not found.`);
      return id.toLowerCase();
    };

    app.post<{ Params: { tenantId: string }; Querystring: Query }>('/', async (request, reply) => {
      const projection = projectionOf(request);
      const result = await service.create(context(request), request.body, projection);
      const location = (result.resource['meta'] as JsonObject | undefined)?.['location'];
      if (typeof location === 'string') void reply.header('Location', location);
      return sendResource(request, reply, result, projection, 201);
    });

    app.get<{ Params: { tenantId: string }; Querystring: Query }>('/', async (request, reply) => {
      const query = parseListQuery(typeOf(request), request.query, limits, lenientFilter(request));
      return sendList(request, reply, await service.list(context(request), query), query);
    });

    // RFC 7644 §3.4.3: the same query in a POST body, keeping filters out of URLs and logs.
    app.post('/.search', { config: { scimScope: 'scim:read' } }, async (request, reply) => {
      const raw = searchRequestBody(request.body);
      const query = parseListQuery(typeOf(request), raw, limits, lenientFilter(request));
      return sendList(request, reply, await service.list(context(request), query), query);
    });

    app.get<{ Params: Params; Querystring: Query }>('/:id', async (request, reply) => {
      const projection = projectionOf(request);
      const result = await service.get(context(request), checkedId(request.params.id), projection);
      // RFC 7644 §3.14: a client holding the current version gets 304 Not Modified.
      if (matchesIfNoneMatch(header(request, 'if-none-match'), result.version)) {
        return reply.code(304).header('ETag', etagOf(result.version)).send();
      }
      return sendResource(request, reply, result, projection);
    });

    app.put<{ Params: Params; Querystring: Query }>('/:id', async (request, reply) => {
      const projection = projectionOf(request);
      const result = await service.replace(
        context(request),
        checkedId(request.params.id),
        request.body,
        header(request, 'if-match'),
        projection,
      );
      return sendResource(request, reply, result, projection);
    });

    app.patch<{ Params: Params; Querystring: Query }>('/:id', async (request, reply) => {
      const projection = projectionOf(request);
      // RFC 7644 §3.5.2: 200 with the resource is required when attributes are named.
      const silent =
        options.patchWithoutContent === true &&
        request.query.attributes === undefined &&
        request.query.excludedAttributes === undefined;
      const result = await service.patch(
        context(request),
        checkedId(request.params.id),
        request.body,
        header(request, 'if-match'),
        silent ? ID_ONLY : projection,
      );
      if (silent) return reply.code(204).header('ETag', etagOf(result.version)).send();
      return sendResource(request, reply, result, projection);
    });

    app.delete<{ Params: Params }>('/:id', async (request, reply) => {
      await service.delete(context(request), checkedId(request.params.id), header(request, 'if-match'));
      return reply.code(204).send();
    });
  };
}
