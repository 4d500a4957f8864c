import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import { SignedClaims } from '../../tenancy/signed-claims.js';
import { HttpError } from '../plugins/errors.js';
import { fromOwnOrigin, sameSecret } from '../plugins/browser-checks.js';
import { cookieValues, setSessionCookie } from '../portal/session-cookie.js';
import { sendPage } from '../web-assets.js';

/**
 * The operators' console session cookie (docs/portals.md#the-console-for-operators). Over https
 * it carries the __Host- prefix (RFC 6265bis §4.1.3.2): Secure, Path=/ and no Domain, so no
 * sibling site of the same parent domain can set one under this name.
 */
export const CONSOLE_COOKIE = 'scim_console';
const SECURE_CONSOLE_COOKIE = `__Host-${CONSOLE_COOKIE}`;
/** A console session lasts a working day; signing in again takes the admin token again. */
const SESSION_MS = 8 * 60 * 60 * 1000;

interface ConsoleClaims {
  readonly csrf: string;
  readonly exp: number;
}

const isConsoleClaims = (value: unknown): value is ConsoleClaims => {
  if (typeof value !== 'object' || value === null) return false;
  const { csrf, exp } = value as Record<string, unknown>;
  return typeof csrf === 'string' && typeof exp === 'number';
};

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Console sessions: an operator signs in once with ADMIN_TOKEN and gets an HttpOnly,
 * SameSite=Strict cookie, so the token is never kept by the browser. The signing key is derived
 * from JWT_SECRET and the admin token itself: rotating ADMIN_TOKEN ends every session.
 */
export class ConsoleSessions {
  private readonly claims: SignedClaims<ConsoleClaims>;
  private readonly expected: Buffer;
  readonly secure: boolean;
  readonly origin: string;
  /** The cookie's name: with the __Host- prefix when the service is served over https. */
  readonly cookie: string;

  constructor(adminToken: string, jwtSecret: string, publicUrl: string) {
    this.expected = digest(adminToken);
    this.claims = new SignedClaims(
      `${jwtSecret}:${this.expected.toString('hex')}`,
      'scim-console-session-v1',
      isConsoleClaims,
    );
    this.secure = publicUrl.startsWith('https://');
    this.origin = new URL(publicUrl).origin;
    this.cookie = this.secure ? SECURE_CONSOLE_COOKIE : CONSOLE_COOKIE;
  }

  isAdminToken(token: string): boolean {
    return timingSafeEqual(digest(token), this.expected);
  }

  open(now: number): { value: string; claims: ConsoleClaims } {
    const claims = { csrf: randomBytes(24).toString('base64url'), exp: now + SESSION_MS };
    return { value: this.claims.sign(claims), claims };
  }

  /**
   * The session a request carries, checked as the admin API needs it: a change (any method but
   * GET and HEAD) also needs the session's CSRF token in X-CSRF-Token and, when the browser
   * names one, this service's Origin. Undefined when there is no valid session cookie.
   */
  session(request: FastifyRequest): ConsoleClaims | undefined {
    const now = Date.now();
    const claims = cookieValues(request, this.cookie)
      .slice(0, 4)
      .map((value) => this.claims.verify(value, now))
      .find((verified) => verified !== undefined);
    if (claims === undefined) return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      if (!fromOwnOrigin(request, this.origin)) throw new HttpError(403, 'This request must come from the console.');
      // Fetch metadata, where the browser sends it: only the console's own page may use the cookie.
      const site = request.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin')
        throw new HttpError(403, 'This request must come from the console.');
      if (!sameSecret(request.headers['x-csrf-token'], claims.csrf)) {
        throw new HttpError(403, 'The request lacks the console session’s CSRF token (X-CSRF-Token).');
      }
    }
    return claims;
  }

  setCookie(reply: FastifyReply, value: string, exp: number | undefined): void {
    setSessionCookie(reply, { name: this.cookie, path: '/', secure: this.secure, value, expiresAt: exp });
  }
}

/** /console/: the page, and its sign-in and sign-out. Everything else is the admin API. */
export function consoleRoutes(deps: Deps, sessions: ConsoleSessions) {
  return async (app: FastifyInstance) => {
    app.get('/console/', async (_request, reply) => sendPage(reply, 'console.html', deps.config));
    app.get('/console', async (_request, reply) => reply.redirect('/console/', 308));

    app.post<{ Body: { adminToken: string } }>(
      '/console/api/session',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { adminToken: { type: 'string', minLength: 1, maxLength: 1000 } },
            required: ['adminToken'],
          },
        },
      },
      async (request, reply) => {
        if (!fromOwnOrigin(request, sessions.origin)) throw new HttpError(403, 'Sign in from the console.');
        if (!sessions.isAdminToken(request.body.adminToken)) throw new HttpError(401, 'That is not the admin token.');
        const { value, claims } = sessions.open(Date.now());
        sessions.setCookie(reply, value, claims.exp);
        return reply
          .header('Cache-Control', 'no-store')
          .code(201)
          .send({ csrfToken: claims.csrf, expiresAt: new Date(claims.exp).toISOString(), brand: deps.config.brand });
      },
    );

    app.get('/console/api/session', async (request, reply) => {
      const claims = sessions.session(request);
      if (claims === undefined) throw new HttpError(401, 'Sign in with the admin token.');
      return reply
        .header('Cache-Control', 'no-store')
        .send({ csrfToken: claims.csrf, expiresAt: new Date(claims.exp).toISOString(), brand: deps.config.brand });
    });

    app.delete('/console/api/session', async (_request, reply) => {
      sessions.setCookie(reply, '', undefined);
      return reply.code(204).send();
    });
  };
}
