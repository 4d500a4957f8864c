import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Claims carried in a cookie, signed with HMAC-SHA256: `v1.<base64url JSON>.<base64url MAC>`. Each
 * use has its own key, derived from JWT_SECRET and a label, so a value signed for one use (a
 * portal session) never verifies for another (a console session), nor as a SCIM token (a JWT).
 */
export class SignedClaims<T extends { readonly exp: number }> {
  private readonly key: Buffer;

  constructor(
    secret: string,
    label: string,
    private readonly isClaims: (value: unknown) => value is T,
  ) {
    this.key = createHmac('sha256', secret).update(label).digest();
  }

  sign(claims: T): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `v1.${payload}.${this.mac(payload)}`;
  }

  /** The claims of an untampered value that has not expired (exp: ms since the epoch), else undefined. */
  verify(value: string | undefined, now: number): T | undefined {
    const [version, payload, mac, ...rest] = (value ?? '').split('.');
    if (version !== 'v1' || payload === undefined || mac === undefined || rest.length > 0) return undefined;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    return this.isClaims(claims) && claims.exp > now ? claims : undefined;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
