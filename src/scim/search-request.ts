import { ScimError } from './errors.js';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** A POST .search body (RFC 7644 §3.4.3): a JSON object declaring the SearchRequest schema. */
export function searchRequestBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ScimError(400, 'invalidSyntax', 'A search request body must be a JSON object.');
  }
  const raw = body as Record<string, unknown>;
  const schemas = raw['schemas'];
  const wanted = SEARCH_REQUEST_SCHEMA.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === wanted)) {
    throw new ScimError(400, 'invalidSyntax', `schemas must be ["${SEARCH_REQUEST_SCHEMA}"].`);
  }
  return raw;
}
