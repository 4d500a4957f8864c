import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import type { ResourceTypeDefinition, SchemaExtension } from './registry.js';
import type { AttributeDefinition } from './types.js';

/**
 * Extensions a tenant never declared, accepted as sent when its `unknownExtensions` setting is
 * "accept" (docs/schemas.md): a provider's custom attribute is never lost, even before anyone
 * declared its schema. Their attributes are single values of any JSON scalar type, stored as sent,
 * and read and filtered as case-insensitive strings.
 */

/** The URN of each undeclared extension a request carries, with the attribute names under it. */
export type FoundExtensions = ReadonlyMap<string, { readonly urn: string; readonly attributes: ReadonlySet<string> }>;

const OPEN_DESCRIPTION =
  'Not declared for this tenant: accepted as sent (unknownExtensions "accept"), read and filtered as a string.';

/** ATTRNAME (RFC 7644 §3.10): what a path, a filter and a projection can name. */
export const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
// RFC 8141: "urn" and the NID compare case-insensitively.
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9._~+:-]+$/i;

function openAttribute(name: string): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description: OPEN_DESCRIPTION,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    undeclared: true,
  };
}

const isDeclared = (type: ResourceTypeDefinition, urn: string) =>
  type.schema.id.toLowerCase() === urn.toLowerCase() ||
  type.schemaExtensions.some((e) => e.open !== true && e.schema.id.toLowerCase() === urn.toLowerCase());

function add(found: Map<string, { urn: string; attributes: Set<string> }>, urn: string, attribute: string): void {
  const entry = found.get(urn.toLowerCase()) ?? { urn, attributes: new Set<string>() };
  entry.attributes.add(attribute);
  found.set(urn.toLowerCase(), entry);
}

/**
 * Undeclared extension objects in a resource body (POST, PUT, a pathless PATCH value): keys that
 * are URNs no schema of the type has, whose value is an object of attributes.
 */
export function undeclaredInResource(type: ResourceTypeDefinition, body: unknown): FoundExtensions {
  const found = new Map<string, { urn: string; attributes: Set<string> }>();
  if (!isJsonObject(body)) return found;
  for (const [key, value] of Object.entries(body)) {
    if (!URN.test(key) || isDeclared(type, key) || !isJsonObject(value)) continue;
    for (const name of Object.keys(value)) if (ATTRIBUTE_NAME.test(name)) add(found, key, name);
  }
  return found;
}

/**
 * Undeclared extensions a PATCH names, in operations as the provider rules left them: a path
 * `urn:…:attr` whose URN no schema of the type has (the attribute is what follows the last colon:
 * an undeclared URN has no definition to tell where it ends), a bare URN with an object of
 * attributes, and extension objects in pathless values.
 */
export function undeclaredInPatch(type: ResourceTypeDefinition, operations: readonly JsonValue[]): FoundExtensions {
  const found = new Map<string, { urn: string; attributes: Set<string> }>();
  for (const operation of operations) {
    if (!isJsonObject(operation)) continue;
    const entries = Object.entries(operation).map(([k, v]) => [k.toLowerCase(), v] as const);
    const path = entries.find(([k]) => k === 'path')?.[1];
    const value = entries.find(([k]) => k === 'value')?.[1];
    if (path === undefined) {
      for (const entry of undeclaredInResource(type, value).values()) {
        for (const name of entry.attributes) add(found, entry.urn, name);
      }
      continue;
    }
    if (typeof path !== 'string' || !path.toLowerCase().startsWith('urn:') || path.includes('[')) continue;
    // A bare URN with an object of attributes, as a pathless value becomes (pathless-dotted-keys);
    // an open extension the tenant accepted before is no declared schema either.
    if (isJsonObject(value) && URN.test(path) && !isDeclared(type, path)) {
      for (const name of Object.keys(value)) if (ATTRIBUTE_NAME.test(name)) add(found, path, name);
      continue;
    }
    const cut = path.lastIndexOf(':');
    const urn = path.slice(0, cut);
    const name = path.slice(cut + 1).split('.')[0] ?? '';
    if (URN.test(urn) && !isDeclared(type, urn) && ATTRIBUTE_NAME.test(name)) add(found, urn, name);
  }
  return found;
}

/**
 * The type with open extensions for `found` added to it, or their attributes added to the open
 * extensions it has (spelled as first seen): what a write carrying them is validated against.
 */
export function withOpenExtensions(type: ResourceTypeDefinition, found: FoundExtensions): ResourceTypeDefinition {
  if (found.size === 0) return type;
  const extensions: SchemaExtension[] = [...type.schemaExtensions];
  for (const [key, entry] of found) {
    const index = extensions.findIndex((e) => e.schema.id.toLowerCase() === key);
    const current = index === -1 ? undefined : extensions[index];
    if (current !== undefined && current.open !== true) continue;
    const known = current?.schema.attributes ?? [];
    const added = [...entry.attributes]
      .filter((name) => !known.some((a) => a.name.toLowerCase() === name.toLowerCase()))
      .map(openAttribute);
    const schema = {
      id: current?.schema.id ?? entry.urn,
      name: current?.schema.name ?? entry.urn,
      description: OPEN_DESCRIPTION,
      attributes: [...known, ...added],
    };
    const extension: SchemaExtension = { schema, required: false, open: true };
    if (index === -1) extensions.push(extension);
    else extensions[index] = extension;
  }
  return { ...type, schemaExtensions: extensions };
}

/**
 * The type a stored resource is read with: the tenant's, with open extensions for the undeclared
 * extension objects it holds (accepted by a write the tenant's registry may not know of yet, on a
 * replica whose profile is up to 2 s old).
 */
export function typeHolding(type: ResourceTypeDefinition, resource: JsonObject): ResourceTypeDefinition {
  return withOpenExtensions(type, undeclaredInResource(type, resource));
}

/** One attribute of an open extension as stored: a JSON scalar, never a list or an object. */
export function isOpenValue(value: JsonValue): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The search shadow of an open extension's object: every value as a lowercased string. */
export function openShadow(object: JsonObject, prefix: string, present: Set<string>): JsonObject {
  const shadow: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (!isOpenValue(value)) continue;
    const text = String(value).toLowerCase();
    shadow[key.toLowerCase()] = text;
    if (text !== '') present.add(`${prefix}${key.toLowerCase()}`);
  }
  return shadow;
}
