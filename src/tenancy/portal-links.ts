import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PortalLinkRecord, PortalLinkStore } from '../storage/portal-link-store.js';
import type { TenantStore } from '../storage/tenant-store.js';
import { TenantNotFoundError } from './errors.js';
import { SignedClaims } from './signed-claims.js';

/** How long a link may live, in minutes (issue 14): five minutes to a week, a day by default. */
export const LINK_MINUTES = { min: 5, max: 10_080, default: 1_440 } as const;

export interface NewLinkInput {
  readonly expiresInMinutes?: number | undefined;
  readonly description?: string | undefined;
  readonly allowSettings?: boolean | undefined;
}

export interface IssuedLink {
  readonly record: PortalLinkRecord;
  /** Shown once, inside the link, and never stored or logged: only its SHA-256 is kept. */
  readonly secret: string;
}

/** What a portal session carries: the link it was opened with, and its CSRF token. */
export interface PortalSession {
  readonly tenantId: string;
  readonly link: PortalLinkRecord;
  /** Sent back by the page in X-CSRF-Token with every change. */
  readonly csrfToken: string;
}

interface SessionClaims {
  readonly tid: string;
  readonly lid: string;
  readonly csrf: string;
  /** Milliseconds since the epoch: the link's own expiry. */
  readonly exp: number;
}

const SECRET_PREFIX = 'spl_';
const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

const isSessionClaims = (value: unknown): value is SessionClaims => {
  if (typeof value !== 'object' || value === null) return false;
  const { tid, lid, csrf, exp } = value as Record<string, unknown>;
  return typeof tid === 'string' && typeof lid === 'string' && typeof csrf === 'string' && typeof exp === 'number';
};

/** Why a link or session was refused, for the portal to say so (never which part was wrong). */
export class PortalAccessRefused extends Error {
  override name = 'PortalAccessRefused';
  constructor() {
    super('This setup link is not valid: it may have expired or been revoked. Ask the vendor for a new one.');
  }
}

const live = (link: PortalLinkRecord | null, now: number): link is PortalLinkRecord =>
  link !== null && link.revokedAt === null && link.expiresAt.getTime() > now;

/**
 * Setup links and the sessions they open. A link is a bearer secret for one tenant's portal; the
 * page trades it once for a session cookie (the secret never travels in a URL's path or query,
 * only in the fragment the browser keeps to itself), and the session lives no longer than its link
 * and dies with it: every request checks the link again.
 *
 * Sessions are signed with their own key, derived from JWT_SECRET: a SCIM bearer token (also signed
 * from JWT_SECRET, as a JWT) can never pass for a session, nor a session for a token.
 */
export class PortalLinks {
  private readonly sessions: SignedClaims<SessionClaims>;
  private readonly now: () => number;

  constructor(
    private readonly links: PortalLinkStore,
    private readonly tenants: TenantStore,
    jwtSecret: string,
    now: () => number = () => Date.now(),
  ) {
    this.sessions = new SignedClaims(jwtSecret, 'scim-portal-session-v1', isSessionClaims);
    this.now = now;
  }

  async issue(tenantId: string, input: NewLinkInput): Promise<IssuedLink> {
    if ((await this.tenants.find(tenantId)) === null) throw new TenantNotFoundError(tenantId);
    const minutes = input.expiresInMinutes ?? LINK_MINUTES.default;
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record = await this.links.create({
      tenantId,
      id: randomUUID(),
      secretHash: hashOf(secret),
      description: input.description ?? '',
      allowSettings: input.allowSettings ?? false,
      expiresAt: new Date(this.now() + minutes * 60_000),
    });
    return { record, secret };
  }

  async list(tenantId: string): Promise<PortalLinkRecord[]> {
    if ((await this.tenants.find(tenantId)) === null) throw new TenantNotFoundError(tenantId);
    return this.links.list(tenantId);
  }

  /** Revokes a link, and with it every session it opened; false when there is no such link. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    if ((await this.tenants.find(tenantId)) === null) throw new TenantNotFoundError(tenantId);
    return this.links.revoke(tenantId, id);
  }

  /** Trades a link's secret for a session token (the cookie's value), or refuses. */
  async open(tenantId: string, secret: string): Promise<{ token: string; session: PortalSession }> {
    const link = secret.startsWith(SECRET_PREFIX) ? await this.links.findBySecret(tenantId, hashOf(secret)) : null;
    if (!live(link, this.now())) throw new PortalAccessRefused();
    const claims: SessionClaims = {
      tid: tenantId,
      lid: link.id,
      csrf: randomBytes(24).toString('base64url'),
      exp: link.expiresAt.getTime(),
    };
    return { token: this.sessions.sign(claims), session: { tenantId, link, csrfToken: claims.csrf } };
  }

  /**
   * The session a cookie's token carries for this tenant's portal, while its link lives; refused
   * for a forged or altered token, another tenant's, an expired one or a revoked link's.
   */
  async session(tenantId: string, token: string | undefined): Promise<PortalSession> {
    const claims = this.sessions.verify(token, this.now());
    if (claims?.tid !== tenantId) throw new PortalAccessRefused();
    const link = await this.links.find(tenantId, claims.lid);
    if (!live(link, this.now())) throw new PortalAccessRefused();
    return { tenantId, link, csrfToken: claims.csrf };
  }
}
