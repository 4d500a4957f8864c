import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import type { TokenRecord } from '../../storage/token-store.js';
import { PortalAccessRefused, type PortalSession } from '../../tenancy/portal-links.js';
import { isActiveToken, SCOPES, type Scope } from '../../tenancy/scim-tokens.js';
import { DELETE_POLICIES, TENANT_ID_PATTERN, type DeletePolicy } from '../../tenancy/tenants.js';
import { PROVIDERS } from '../../scim/compat/providers.js';
import { HttpError } from '../plugins/errors.js';
import { tokenJson } from '../token-json.js';
import { fromOwnOrigin, sameSecret } from '../plugins/browser-checks.js';
import { signerOf } from '../plugins/jwt.js';
import { cookieValues, PORTAL_COOKIE, setPortalCookie } from './session-cookie.js';
import { portalGuide, GUIDE_PROVIDERS } from './guides.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The setup portal's session, once its cookie and CSRF token passed (http/portal/api.ts). */
    portalSession: PortalSession | null;
  }
}

const API = '/portal/:tenantId/api';
const tenantParams = {
  type: 'object',
  properties: { tenantId: { type: 'string', pattern: TENANT_ID_PATTERN } },
  required: ['tenantId'],
} as const;
const withTenant = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties: { ...tenantParams.properties, ...properties },
  required: ['tenantId', ...required],
});

type TenantRequest = FastifyRequest<{ Params: { tenantId: string } }>;

/** Active tokens a tenant may hold before the portal refuses to issue more (issued by any means). */
const MAX_ACTIVE_TOKENS = 20;

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

/**
 * The setup portal's JSON API for one tenant (docs/portals.md). The page trades its link's secret
 * for a session cookie (POST …/session); every other call needs that cookie, and every change
 * also the session's CSRF token in X-CSRF-Token and a same-origin Origin. The tenant is the one
 * the router matched, and the session must be that tenant's.
 */
export function portalApiRoutes(deps: Deps) {
  const { portalLinks, portalStatus, scimTokens, tenants, config } = deps;
  const secure = config.publicUrl.startsWith('https://');
  const origin = new URL(config.publicUrl).origin;

  /** A change must come from the portal's own page. */
  const sameOrigin = (request: FastifyRequest) => {
    if (!fromOwnOrigin(request, origin)) throw new HttpError(403, 'This request must come from the setup portal.');
  };

  return async (app: FastifyInstance) => {
    app.decorateRequest('portalSession', null);

    // Every portal API answer is private to its session and never cached.
    app.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('Cache-Control', 'no-store');
      return payload;
    });

    const authenticate = async (request: TenantRequest) => {
      const { tenantId } = request.params;
      // The first of the cookie's values (at most a few) that is a live session of this tenant.
      for (const value of cookieValues(request, PORTAL_COOKIE).slice(0, 4)) {
        try {
          request.portalSession = await portalLinks.session(tenantId, value);
          break;
        } catch (error) {
          if (!(error instanceof PortalAccessRefused)) throw error;
        }
      }
      if (request.portalSession === null) throw new HttpError(401, new PortalAccessRefused().message);
      if (request.method !== 'GET') {
        sameOrigin(request);
        if (!sameSecret(request.headers['x-csrf-token'], request.portalSession.csrfToken)) {
          throw new HttpError(403, 'The request lacks the session’s CSRF token (X-CSRF-Token).');
        }
      }
    };
    const sessionOf = (request: FastifyRequest): PortalSession => {
      if (request.portalSession === null) throw new HttpError(401, 'No setup portal session.');
      return request.portalSession;
    };
    const describe = async (tenantId: string, session: PortalSession) => {
      const tenant = await tenants.get(tenantId);
      return {
        tenant: { id: tenant.id, name: tenant.name },
        scimBaseUrl: tenant.scimBaseUrl,
        provider: tenant.provider,
        deletePolicy: tenant.deletePolicy,
        allowSettings: session.link.allowSettings,
        expiresAt: session.link.expiresAt.toISOString(),
        csrfToken: session.csrfToken,
        brand: config.brand,
        providers: GUIDE_PROVIDERS,
      };
    };

    app.post<{ Params: { tenantId: string }; Body: { link: string } }>(
      `${API}/session`,
      {
        schema: {
          params: tenantParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { link: { type: 'string', minLength: 1, maxLength: 200 } },
            required: ['link'],
          },
        },
      },
      async (request, reply) => {
        sameOrigin(request);
        const { tenantId } = request.params;
        let opened;
        try {
          opened = await portalLinks.open(tenantId, request.body.link);
        } catch (error) {
          if (error instanceof PortalAccessRefused) throw new HttpError(401, error.message);
          throw error;
        }
        setPortalCookie(reply, { tenantId, secure, value: opened.token, expiresAt: opened.session.link.expiresAt });
        return reply.code(201).send(await describe(tenantId, opened.session));
      },
    );

    app.register(async (authenticated) => {
      authenticated.addHook('preHandler', authenticate);

      authenticated.get<{ Params: { tenantId: string } }>(
        `${API}/session`,
        { schema: { params: tenantParams } },
        async (request) => describe(request.params.tenantId, sessionOf(request)),
      );

      authenticated.delete<{ Params: { tenantId: string } }>(
        `${API}/session`,
        { schema: { params: tenantParams } },
        async (request, reply) => {
          setPortalCookie(reply, { tenantId: request.params.tenantId, secure, value: '', expiresAt: undefined });
          return reply.code(204).send();
        },
      );

      authenticated.get<{ Params: { tenantId: string } }>(
        `${API}/overview`,
        { schema: { params: tenantParams } },
        async (request) => {
          const overview = await portalStatus.overview(request.params.tenantId);
          const seen = (s: typeof overview.lastActivity) => (s === undefined ? null : { ...s, at: s.at.toISOString() });
          return {
            users: overview.users,
            groups: overview.groups,
            lastAuthenticated: seen(overview.connection.lastAuthenticated),
            lastRefused:
              overview.connection.lastRefused === undefined
                ? null
                : { ...overview.connection.lastRefused, at: overview.connection.lastRefused.at.toISOString() },
            lastActivity: seen(overview.lastActivity),
          };
        },
      );

      authenticated.get<{ Params: { tenantId: string } }>(
        `${API}/failures`,
        { schema: { params: tenantParams } },
        async (request) => ({
          failures: (await portalStatus.failures(request.params.tenantId, 20)).map((f) => ({ ...f, at: iso(f.at) })),
        }),
      );

      authenticated.get<{ Params: { tenantId: string; provider: string } }>(
        `${API}/guides/:provider`,
        {
          schema: {
            params: withTenant({ provider: { type: 'string', enum: GUIDE_PROVIDERS.map((provider) => provider.id) } }, [
              'provider',
            ]),
          },
        },
        async (request) => {
          const { tenantId, provider } = request.params;
          const html = await portalGuide(provider, {
            scimBaseUrl: tenants.scimBaseUrl(tenantId),
            publicUrl: config.publicUrl,
          });
          if (html === undefined) throw new HttpError(404, `No guide for ${provider} in this build.`);
          return { provider, html };
        },
      );

      authenticated.get<{ Params: { tenantId: string } }>(
        `${API}/tokens`,
        { schema: { params: tenantParams } },
        async (request) => ({
          tokens: (await scimTokens.list(request.params.tenantId)).map(tokenJson),
        }),
      );

      /**
       * A new token, with the scopes and expiry of the one it replaces when it rotates one: a
       * rotation never widens what a token may do. A session may not mint tokens without end.
       */
      const issue = async (request: TenantRequest, like: Pick<TokenRecord, 'description' | 'scopes' | 'expiresAt'>) => {
        const { tenantId } = request.params;
        const now = Date.now();
        const active = (await scimTokens.list(tenantId)).filter((t) => isActiveToken(t, now));
        if (active.length >= MAX_ACTIVE_TOKENS) {
          throw new HttpError(
            409,
            `This tenant has ${active.length} active tokens: revoke one before issuing another.`,
          );
        }
        const issued = await scimTokens.issue(
          tenantId,
          {
            description: like.description,
            scopes: like.scopes as Scope[],
            ...(like.expiresAt === null ? {} : { expiresAt: like.expiresAt }),
          },
          signerOf(request.server),
        );
        return { ...tokenJson(issued.record), token: issued.token };
      };

      authenticated.post<{ Params: { tenantId: string }; Body: { description?: string } | undefined }>(
        `${API}/tokens`,
        {
          preValidation: async (request) => {
            request.body ??= {};
          },
          schema: {
            params: tenantParams,
            body: {
              type: 'object',
              additionalProperties: false,
              properties: { description: { type: 'string', maxLength: 200 } },
            },
          },
        },
        async (request, reply) =>
          reply.code(201).send(
            await issue(request, {
              // Named after the link whose session issued it, so an operator can trace it.
              description:
                request.body?.description ?? `Issued in the setup portal (link ${sessionOf(request).link.id})`,
              scopes: SCOPES,
              expiresAt: null,
            }),
          ),
      );

      // Rotation: a new token first, then the old one revoked, so there is always one that works.
      authenticated.post<{ Params: { tenantId: string; tokenId: string } }>(
        `${API}/tokens/:tokenId/rotate`,
        { schema: { params: withTenant({ tokenId: { type: 'string', format: 'uuid' } }, ['tokenId']) } },
        async (request, reply) => {
          const { tenantId, tokenId } = request.params;
          const now = Date.now();
          const old = (await scimTokens.list(tenantId)).find((t) => t.id === tokenId && isActiveToken(t, now));
          if (old === undefined) throw new HttpError(404, 'No such active token for this tenant.');
          const issued = await issue(request, old);
          await scimTokens.revoke(tenantId, tokenId);
          return reply.code(201).send(issued);
        },
      );

      authenticated.delete<{ Params: { tenantId: string; tokenId: string } }>(
        `${API}/tokens/:tokenId`,
        { schema: { params: withTenant({ tokenId: { type: 'string', format: 'uuid' } }, ['tokenId']) } },
        async (request, reply) => {
          if (!(await scimTokens.revoke(request.params.tenantId, request.params.tokenId))) {
            throw new HttpError(404, 'No such token for this tenant.');
          }
          return reply.code(204).send();
        },
      );

      authenticated.patch<{
        Params: { tenantId: string };
        Body: { provider?: string | null; deletePolicy?: DeletePolicy };
      }>(
        `${API}/settings`,
        {
          schema: {
            params: tenantParams,
            body: {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: {
                provider: { type: ['string', 'null'], enum: [...PROVIDERS, null] },
                deletePolicy: { type: 'string', enum: DELETE_POLICIES },
              },
            },
          },
        },
        async (
          request: FastifyRequest<{
            Params: { tenantId: string };
            Body: { provider?: string | null; deletePolicy?: DeletePolicy };
          }>,
          reply: FastifyReply,
        ) => {
          if (!sessionOf(request).link.allowSettings) {
            throw new HttpError(403, 'This setup link may not change settings: ask the vendor.');
          }
          const updated = await tenants.update(request.params.tenantId, request.body);
          return reply.send({ provider: updated.provider, deletePolicy: updated.deletePolicy });
        },
      );
    });
  };
}
