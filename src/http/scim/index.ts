import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import { ScimError } from '../../scim/errors.js';
import { acceptScimJson } from '../plugins/scim-media-type.js';
import { authenticateScim, neededScope } from './authenticate.js';
import { providerFromHeaders } from '../../scim/compat/providers.js';
import { redactedExchange } from '../../observability/request-log.js';
import type { JsonValue } from '../../scim/resource/json.js';
import { bulkRoutes } from './bulk.js';
import { discoveryRoutes } from './discovery.js';
import { resourceRoutes } from './resources.js';
import { rootSearchRoutes } from './search.js';
import { LIST_LIMITS } from '../../scim/discovery/service-provider-config.js';
import { routedTenant } from '../routed-tenant.js';
import { bindToLog } from '../log-bindings.js';
import { tenantAdmission } from '../plugins/tenant-admission.js';
import { SchemaChanged, translateError } from '../../storage/errors.js';
import { tenantContext } from '../../provisioning/context.js';

/**
 * Everything under /scim/v2/{tenantId}. Authentication runs before routing decisions are shown
 * to the caller, so an unknown path and an unknown tenant look alike to an unauthenticated one.
 *
 * The tenant is the router's `:tenantId`, never a second reading of the URL: the value that is
 * authenticated is the value the handlers act for, whatever form the request-target took
 * (absolute form, percent-encoding, dot segments). A request no route gives a tenant is refused.
 */
export function scimRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    acceptScimJson(app);
    app.decorateRequest('tenantContext', null);
    app.decorateRequest('scimProvider', 'generic');
    app.decorateRequest('scimResponseBody', '');
    // Per-tenant limits (OWASP API4): taken after authentication, below, so that only the
    // tenant's own token can spend its budget (an attacker without it cannot lock the tenant out).
    const admit = tenantAdmission(app, deps.requestLimiter, {
      requestTimeoutMs: deps.config.limits.requestTimeoutMs,
      onRefused: (reason) => {
        deps.metrics.tenantRequestRefused(reason);
      },
    });
    app.addHook('onRequest', async (request, reply) => {
      const tenantId = routedTenant(request);
      if (tenantId === undefined) {
        throw new ScimError(404, undefined, 'No SCIM endpoint here: SCIM requests go to /scim/v2/{tenantId}/….');
      }
      // Every line the request logs names the tenant (app.ts) and the provider: the one the tenant
      // declared, else the one its headers name (User-Agent, or Entra ID's ADSCIMVersion), else
      // "generic". A request that fails authentication learns nothing about the tenant: its lines
      // go by its headers.
      const named = providerFromHeaders(request.headers) ?? 'generic';
      const bind = (provider: string) => {
        request.scimProvider = provider;
        // The request's logger (the reply's too) is lazy (observability/request-logger.ts): the
        // binding joins it without a new child.
        bindToLog(request, { provider });
        request.log.info({ req: request }, 'incoming request');
      };
      let principal;
      try {
        principal = await authenticateScim(request, reply, tenantId, deps.scimTokens);
      } catch (error) {
        bind(named);
        // The setup portal's connection test: the provider reached this tenant's URL and was
        // turned away (tenancy/auth-failures.ts; nothing is kept for a tenant that does not exist).
        if (error instanceof ScimError && error.status === 401) {
          deps.authFailures.refused(
            tenantId,
            request.headers.authorization === undefined ? 'missing' : 'invalid',
            named,
          );
        }
        throw error;
      }
      const profile = await deps.tenants.profile(tenantId);
      bind(profile.provider ?? named);
      // The tenant's limits, once its token has proved the request is the tenant's: 429 when
      // over them. A refusal stays out of the tenant's request log (it gets no context): in a
      // flood, logging each would make every refusal a database write, on the database all
      // tenants share; scim_tenant_requests_refused_total and the process log count them.
      admit(request, reply, tenantId);
      // The request's one tenant context: every handler and use case takes it from here.
      request.tenantContext = tenantContext(tenantId, principal, deps.tenants.scimBaseUrl(tenantId), profile);
    });
    // The schema fence stopped a write validated against the tenant's earlier extensions: this
    // replica's cached profile is stale, and the client's retry must not meet it again.
    app.addHook('onError', (request, _reply, error, done) => {
      if (request.tenantContext !== null && translateError(error) instanceof SchemaChanged) {
        deps.tenants.forgetProfile(request.tenantContext.tenantId);
      }
      done();
    });
    // A second check, after parsing: the route's tenant is the one the context was built for.
    app.addHook('preHandler', (request, _reply, done) => {
      const tenantId = routedTenant(request);
      if (request.tenantContext === null || request.tenantContext.tenantId !== tenantId) {
        request.log.error({ routed: tenantId }, 'SCIM handler reached without a context for its tenant; refused');
        done(new ScimError(401, undefined, 'The request is not authenticated for this tenant.'));
        return;
      }
      done();
    });
    // The response body, for the tenant's request log.
    app.addHook('onSend', async (request, reply, payload) => {
      const ctx = request.tenantContext;
      if (ctx !== null && typeof payload === 'string') request.scimResponseBody = payload;
      // A write that succeeded committed its events: they are numbered before it answers, so a
      // client that reads the events API after a 2xx finds them (decision 0007), and the
      // sequencer wakes the dispatchers. Bulk answers 200 with whatever its operations committed.
      if (ctx !== null && reply.statusCode < 300 && neededScope(request) === 'scim:write')
        await deps.sequencer.settle(ctx.tenantId);
      return payload;
    });
    app.addHook('onResponse', (request, reply, done) => {
      const ctx = request.tenantContext;
      // Only a request that proved it belongs to the tenant goes into the tenant's log.
      if (ctx === null) {
        done();
        return;
      }
      const rules = ctx.rules === undefined ? [] : [...ctx.rules].sort();
      deps.requestLog.record({
        tenantId: ctx.tenantId,
        receivedAt: new Date(Date.now() - reply.elapsedTime),
        method: request.method,
        status: reply.statusCode,
        durationMs: reply.elapsedTime,
        provider: request.scimProvider,
        rules,
        requestId: request.id,
        ...redactedExchange(request.url, request.body as JsonValue | undefined, request.scimResponseBody),
      });
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
    // One set of RFC 7644 §3 routes per resource type the registry holds, at its endpoint.
    for (const type of deps.registry.resourceTypes) {
      const service = deps.resources.get(type.id);
      if (service === undefined) throw new Error(`No use cases for the resource type ${type.id}.`);
      // A type with members answers a membership PATCH with 204 (resources.ts).
      const options = { patchWithoutContent: type.storage.membership?.side === 'group' };
      await app.register(resourceRoutes(type, service, LIST_LIMITS, options), { prefix: `/:tenantId${type.endpoint}` });
    }
    // Every other path under a tenant is routed too, so that its tenant comes from the router
    // and it is authenticated (any valid token of the tenant) before it learns it is unknown.
    const unknown = async (request: FastifyRequest) => {
      throw new ScimError(404, undefined, `No SCIM endpoint at ${request.method} ${request.url.split('?')[0] ?? ''}.`);
    };
    for (const path of ['/:tenantId', '/:tenantId/*']) {
      app.route({
        method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        url: path,
        config: { scimScope: 'scim:read' },
        handler: unknown,
      });
    }
    // No route at all (/scim/v2, /scim/v2/): the onRequest hook above refuses it with a 404.
    app.setNotFoundHandler(unknown);
  };
}
