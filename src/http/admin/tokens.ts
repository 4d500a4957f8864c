import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { tokenJson as present } from '../token-json.js';
import { SCOPES, type Scope } from '../../tenancy/scim-tokens.js';
import { HttpError } from '../plugins/errors.js';
import { signerOf } from '../plugins/jwt.js';
import { errorResponses, tenantIdParams } from './schemas.js';

interface CreateTokenBody {
  description?: string;
  expiresAt?: string;
  scopes?: Scope[];
}

export function tokenRoutes(deps: Deps) {
  const { scimTokens } = deps;
  return async (app: FastifyInstance) => {
    const sign = signerOf(app);

    app.post<{ Params: { id: string }; Body: CreateTokenBody | undefined }>(
      '/tenants/:id/tokens',
      {
        // Every field is optional, so an empty request (no body at all) is a valid one.
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          summary: 'Issue a SCIM bearer token for the tenant (shown once)',
          tags: ['tokens'],
          params: tenantIdParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              description: { type: 'string', maxLength: 200 },
              expiresAt: { type: 'string', format: 'date-time' },
              scopes: { type: 'array', items: { type: 'string', enum: SCOPES }, minItems: 1, uniqueItems: true },
            },
          },
          response: {
            201: {
              type: 'object',
              properties: {
                id: { type: 'string', format: 'uuid' },
                token: { type: 'string', description: 'The bearer token. It is not shown again.' },
                description: { type: 'string' },
                scopes: { type: 'array', items: { type: 'string' } },
                createdAt: { type: 'string', format: 'date-time' },
                expiresAt: { type: ['string', 'null'], format: 'date-time' },
              },
              required: ['id', 'token', 'description', 'scopes', 'createdAt', 'expiresAt'],
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
        if (expiresAt !== undefined && expiresAt.getTime() <= Date.now()) {
          throw new HttpError(400, 'expiresAt must be in the future.');
        }
        const issued = await scimTokens.issue(
          request.params.id,
          { description: body.description ?? '', expiresAt, scopes: body.scopes },
          sign,
        );
        // The response schema leaves revokedAt out: a new token is never revoked.
        return reply.code(201).send({ ...present(issued.record), token: issued.token });
      },
    );

    app.get<{ Params: { id: string } }>(
      '/tenants/:id/tokens',
      {
        schema: {
          summary: "List the tenant's SCIM tokens (never their secrets)",
          tags: ['tokens'],
          params: tenantIdParams,
          response: {
            200: {
              type: 'object',
              properties: { tokens: { type: 'array', items: { $ref: 'ScimToken#' } } },
              required: ['tokens'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => ({ tokens: (await scimTokens.list(request.params.id)).map(present) }),
    );

    app.delete<{ Params: { id: string; tokenId: string } }>(
      '/tenants/:id/tokens/:tokenId',
      {
        schema: {
          summary: 'Revoke a SCIM token (every replica refuses it within seconds)',
          tags: ['tokens'],
          params: {
            type: 'object',
            properties: { ...tenantIdParams.properties, tokenId: { type: 'string', format: 'uuid' } },
            required: ['id', 'tokenId'],
          },
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        if (!(await scimTokens.revoke(request.params.id, request.params.tokenId))) {
          throw new HttpError(404, `No token ${request.params.tokenId} for tenant "${request.params.id}".`);
        }
        return reply.code(204).send();
      },
    );
  };
}
