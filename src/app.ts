import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from './deps.js';
import { adminRoutes } from './http/admin/index.js';
import { adminSchemas } from './http/admin/schemas.js';
import { healthRoutes } from './http/health.js';
import { registerOpenApi } from './http/openapi.js';
import { clientErrorHandler } from './http/plugins/client-errors.js';
import { refuseRequestsWhileClosing } from './http/plugins/closing.js';
import { answerFrameworkError, registerErrorHandling, SCIM_PREFIX } from './http/plugins/errors.js';
import { registerJwt } from './http/plugins/jwt.js';
import { answerLateRequests } from './http/plugins/request-deadline.js';
import { acceptJson, sendBareScimMediaType } from './http/plugins/scim-media-type.js';
import { drainUnreadBodies } from './http/plugins/unread-body.js';
import { scimRoutes } from './http/scim/index.js';
import { portalRoutes } from './http/portal/index.js';
import { webAssetRoutes } from './http/web-assets.js';
import { mcpRoutes } from './http/mcp/index.js';
import { ConsoleSessions, consoleRoutes } from './http/console/session.js';
import { isScimRoute, routedTenant } from './http/routed-tenant.js';
import { bindToLog } from './http/log-bindings.js';
import { RequestLogger } from './observability/request-logger.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the application without listening: main.ts listens, tests call inject() or listen. */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  // Typed as Fastify's base logger so plugins see the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    // Honour a caller's X-Request-Id when it is sane, so logs line up across services.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A route's own log options (none here so far) need a real child; otherwise the child is
    // made only if the request writes a line (observability/request-logger.ts). A request's
    // tenant joins the bindings once the router has named it (the onRequest hook below; a SCIM
    // request's identity provider in http/scim/index.ts), never from a second reading of the URL.
    childLoggerFactory: (logger, bindings, options) =>
      Object.keys(options).length > 0 ? logger.child(bindings, options) : new RequestLogger(logger, bindings),
    // No type coercion: {"id": 123} is a client error, not tenant "123".
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } },
    // Requests arriving during close get a 503 through the error handler, so a SCIM client reads
    // a SCIM Error (http/plugins/closing.ts); Fastify's own 503 has a fixed non-SCIM body.
    return503OnClosing: false,
    // Errors raised before routing (a malformed percent-encoding, an over-long path segment) and
    // requests Node cannot parse are answered in the shape of their API, SCIM under /scim/v2.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: clientErrorHandler(loggerInstance),
    // No id the service issues is longer (UUIDs, tenant ids of 63 characters at most): a longer
    // path segment names nothing and is answered 404 (http/plugins/errors.ts).
    routerOptions: { maxParamLength: 100 },
    // Logged below instead, so that a SCIM request's lines, the first included, can name its
    // identity provider, which is known only once its tenant is (http/scim/index.ts).
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Hooks that never wait are written with done(): an async hook costs every request a promise.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    const tenant = routedTenant(request);
    if (tenant !== undefined) bindToLog(request, { tenant });
    // SCIM requests log this line once their tenant and provider are known (http/scim/index.ts).
    if (!isScimRoute(request)) request.log.info({ req: request }, 'incoming request');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });

  registerErrorHandling(app);
  // REQUEST_TIMEOUT_MS (0: off); the events long poll extends it by its longest wait.
  answerLateRequests(app, deps.config.limits.requestTimeoutMs);
  refuseRequestsWhileClosing(app);
  drainUnreadBodies(app);
  acceptJson(app);
  sendBareScimMediaType(app);
  for (const schema of adminSchemas) app.addSchema(schema);
  await registerOpenApi(app, deps.config.publicUrl, deps.config.limits);
  await registerJwt(app, deps.secrets.jwtSecret);
  await app.register(healthRoutes(deps));
  const consoleSessions = new ConsoleSessions(deps.secrets.adminToken, deps.secrets.jwtSecret, deps.config.publicUrl);
  await app.register(adminRoutes(deps, consoleSessions), { prefix: '/admin/v1' });
  await app.register(scimRoutes(deps), { prefix: SCIM_PREFIX });
  await app.register(portalRoutes(deps));
  await app.register(consoleRoutes(deps, consoleSessions));
  await app.register(webAssetRoutes());
  await app.register(mcpRoutes(deps));
  return app;
}
