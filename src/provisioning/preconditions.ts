import { ScimError } from '../scim/errors.js';
import { etagOf } from '../scim/resource/representation.js';

/**
 * If-Match (RFC 7644 §3.14, RFC 9110 §13.1.1): "*" or one of the listed tags must name the
 * current version. SCIM versions are weak tags and the RFC's own examples send them in If-Match,
 * so tags are compared by their opaque value (weak comparison).
 */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined) return;
  const current = opaque(etagOf(version));
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*') || tags.some((t) => opaque(t) === current)) return;
  throw new ScimError(
    412,
    undefined,
    `Precondition failed: the resource is at version ${etagOf(version)}, not ${ifMatch}.`,
  );
}

/** If-None-Match on GET: true when the client's copy is current, so 304 can be answered. */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, version: number): boolean {
  if (ifNoneMatch === undefined) return false;
  const current = opaque(etagOf(version));
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || opaque(t.trim()) === current);
}

function opaque(tag: string): string {
  return tag.replace(/^W\//, '');
}
