import { ScimError } from '../scim/errors.js';
import { normalizeDateTime } from '../scim/resource/date-time.js';
import { isJsonObject, type JsonObject } from '../scim/resource/json.js';
import { buildSearchDocument } from '../scim/resource/search-document.js';
import { agentLifecycleSchema } from '../scim/schema/agent-schema.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import type { LinkedWrite } from '../storage/linked-resource-store.js';

/**
 * What the row of a linked resource stores beside its document: its name, externalId and active,
 * and an Agent's lifecycle expiresAt, which the expiry sweep reads from its column.
 */
export function linkedWrite(type: ResourceTypeDefinition, document: JsonObject): LinkedWrite {
  const name = document['name'];
  if (typeof name !== 'string') throw new ScimError(400, 'invalidValue', 'name is required.');
  const externalId = document['externalId'];
  const lifecycle = document[agentLifecycleSchema.id];
  const expiresAt = isJsonObject(lifecycle) ? lifecycle['expiresAt'] : undefined;
  return {
    name,
    externalId: typeof externalId === 'string' ? externalId : undefined,
    active: document['active'] !== false,
    expiresAt: typeof expiresAt === 'string' ? storableInstant(expiresAt) : undefined,
    document,
    search: buildSearchDocument(type, document),
  };
}

/**
 * The expiry as the column keeps it: in UTC (a value without a zone is UTC, as in the search
 * shadow), so the sweep and the document agree whatever the session's time zone. PostgreSQL has
 * no year 0 and xsd:dateTime allows one: years 0001–9999 only.
 */
function storableInstant(value: string): string {
  const instant = normalizeDateTime(value);
  if (instant === undefined || !/^\d{4}-/.test(instant) || instant.startsWith('0000-')) {
    throw new ScimError(
      400,
      'invalidValue',
      `"${agentLifecycleSchema.id}:expiresAt" must be a date-time between the years 0001 and 9999 (received "${value}").`,
    );
  }
  return instant;
}
