import type { TokenRecord } from '../storage/token-store.js';

/** A SCIM token as the admin API and the setup portal show it: never its secret. */
export const tokenJson = (t: TokenRecord) => ({
  id: t.id,
  description: t.description,
  scopes: t.scopes,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});
