import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { ScimError } from '../../scim/errors.js';
import { acceptScimJson } from '../plugins/scim-media-type.js';
import { authenticateScim } from './authenticate.js';
import { providerFromHeaders } from '../../scim/compat/providers.js';
import { cut, redactedBody } from '../../observability/request-log.js';
import type { JsonValue } from '../../scim/resource/json.js';
import { bulkRoutes } from './bulk.js';
import { discoveryRoutes } from './discovery.js';
import { resourceRoutes } from './resources.js';
import { rootSearchRoutes } from './search.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../scim/schema/registry.js';
import { LIST_LIMITS } from '../../scim/discovery/service-provider-config.js';

/** A URL under a tenant's SCIM base; its first group is the tenant segment (app.ts reads it too). */
export const TENANT_SEGMENT = /^\/scim\/v2\/([^/?#]+)/;

/**
 * Everything under /scim/v2/{tenantId}. Authentication runs before routing decisions are shown
 * to the caller, so an unknown path and an unknown tenant look alike to an unauthenticated one.
 */
export function scimRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    acceptScimJson(app);
    app.decorateRequest('scimTenantId', '');
    app.decorateRequest('compatRules', null);
    app.decorateRequest('scimProvider', 'generic');
    app.decorateRequest('scimDeletePolicy', 'delete');
    app.decorateRequest('scimResponseBody', '');
    app.addHook('onRequest', async (request, reply) => {
      request.compatRules = new Set();
      const tenantId = TENANT_SEGMENT.exec(request.url)?.[1];
      if (tenantId === undefined) return;
      // Every line the request logs names the provider: the one the tenant declared, else the
      // one its headers name (User-Agent, or Entra ID's ADSCIMVersion), else "generic". A request
      // that fails authentication learns nothing about the tenant: its lines go by its headers.
      const named = providerFromHeaders(request.headers) ?? 'generic';
      const bind = (provider: string) => {
        request.scimProvider = provider;
        // The request's logger (the reply's too) already names the headers' provider
        // (app.ts); a declared one replaces it on the same logger, without a new child.
        if (provider !== named) (request.log as unknown as { setBindings(b: object): void }).setBindings({ provider });
        request.log.info({ req: request }, 'incoming request');
      };
      try {
        await authenticateScim(request, reply, tenantId, deps.scimTokens);
      } catch (error) {
        bind(named);
        throw error;
      }
      const profile = await deps.tenants.profile(tenantId);
      request.scimDeletePolicy = profile.deletePolicy;
      bind(profile.provider ?? named);
    });
    // The response body, for the tenant's request log.
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.scimTenantId !== '' && typeof payload === 'string') request.scimResponseBody = payload;
      done(null, payload);
    });
    app.addHook('onResponse', (request, reply, done) => {
      // A write that succeeded has committed its events: a dispatcher in this process sends them
      // now rather than at its next poll (POST /.search reads, but a needless wake costs one claim).
      if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) deps.dispatcher.wake();
      const rules = request.compatRules === null ? [] : [...request.compatRules].sort();
      // Only a request that proved it belongs to the tenant goes into the tenant's log.
      if (request.scimTenantId !== '') {
        deps.requestLog.record({
          tenantId: request.scimTenantId,
          receivedAt: new Date(Date.now() - reply.elapsedTime),
          method: request.method,
          path: request.url,
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
          provider: request.scimProvider,
          rules,
          requestId: request.id,
          requestBody: redactedBody(request.body as JsonValue | undefined),
          responseBody: cut(request.scimResponseBody),
        });
      }
      // Which provider rules (scim/compat) this request needed: the first thing to read when a
      // provider's request behaves unexpectedly.
      if (rules.length > 0) {
        for (const rule of rules) deps.metrics.compatRule(rule, request.scimProvider);
        request.log.info({ compatRules: rules }, 'provider rules applied');
      }
      done();
    });
    await app.register(discoveryRoutes(deps), { prefix: '/:tenantId' });
    await app.register(bulkRoutes(deps), { prefix: '/:tenantId' });
    await app.register(rootSearchRoutes(deps), { prefix: '/:tenantId' });
    await app.register(resourceRoutes(USER_RESOURCE_TYPE, deps.users, deps.tenants, LIST_LIMITS), {
      prefix: '/:tenantId/Users',
    });
    await app.register(
      resourceRoutes(GROUP_RESOURCE_TYPE, deps.groups, deps.tenants, LIST_LIMITS, { patchWithoutContent: true }),
      {
        prefix: '/:tenantId/Groups',
      },
    );
    // Fastify runs this context's onRequest hook before its not-found handler too.
    app.setNotFoundHandler(async (request) => {
      throw new ScimError(404, undefined, `No SCIM endpoint at ${request.method} ${request.url.split('?')[0] ?? ''}.`);
    });
  };
}
