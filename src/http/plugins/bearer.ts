/** The credentials of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1];
}
