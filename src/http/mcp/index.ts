import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { directoryTools } from '../../mcp/directory-tools.js';
import { TENANT_ID_PATTERN } from '../../tenancy/tenants.js';
import { HttpError } from '../plugins/errors.js';
import { refusedAdmission } from '../plugins/tenant-admission.js';
import { verifiedToken } from '../scim/authenticate.js';

const params = {
  type: 'object',
  properties: { tenantId: { type: 'string', pattern: TENANT_ID_PATTERN } },
  required: ['tenantId'],
} as const;

/**
 * /mcp/{tenantId}: the tenant's directory as MCP tools over the streamable HTTP transport, with
 * the tenant's SCIM bearer token (docs/agents.md). Stateless: each POST carries one JSON-RPC
 * message and gets its answer, so any replica serves any call. The tenant is the one the router
 * matched, and the token must be that tenant's; a read-only token (scim:read) gets the read tools
 * only.
 */
export function mcpRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.post<{ Params: { tenantId: string } }>('/mcp/:tenantId', { schema: { params } }, async (request, reply) => {
      const { tenantId } = request.params;
      const { principal, tokenId } = await verifiedToken(request, reply, tenantId, deps.scimTokens);
      // One message a request: a JSON-RPC batch would run its calls side by side, past the
      // tenant's limits (the SDK takes batches of up to 100).
      if (Array.isArray(request.body)) {
        throw new HttpError(400, 'Send one JSON-RPC message a request; batches are not accepted.');
      }
      // The tenant's limits, as for its SCIM requests: a tool call holds a slot while it runs.
      const admission = deps.requestLimiter.admit(tenantId);
      if (!admission.admitted) {
        deps.metrics.tenantRequestRefused(admission.reason);
        throw refusedAdmission(admission);
      }
      const server = directoryTools(deps, { tenantId, principal, name: `SCIM token ${tokenId}` });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.hijack();
      // The answer is written by the SDK, past Fastify's own request deadline: the same deadline,
      // kept here. A tool still running then gets the connection closed under it.
      const timeoutMs = deps.config.limits.requestTimeoutMs;
      const deadline =
        timeoutMs > 0
          ? setTimeout(() => {
              if (!reply.raw.headersSent) {
                reply.raw.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '10' });
                reply.raw.end(
                  JSON.stringify({
                    statusCode: 503,
                    error: 'Service Unavailable',
                    message: 'The tool call took too long.',
                  }),
                );
              } else reply.raw.destroy();
            }, timeoutMs)
          : undefined;
      reply.raw.on('close', () => {
        clearTimeout(deadline);
        admission.release();
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    });
    // Stateless: no stream to open and no session to end (MCP, streamable HTTP transport).
    for (const method of ['GET', 'DELETE'] as const) {
      app.route<{ Params: { tenantId: string } }>({
        method,
        url: '/mcp/:tenantId',
        schema: { params },
        handler: async (request, reply) => {
          await verifiedToken(request, reply, request.params.tenantId, deps.scimTokens);
          void reply.header('Allow', 'POST');
          throw new HttpError(405, 'This MCP endpoint is stateless: send each JSON-RPC message with POST.');
        },
      });
    }
  };
}
