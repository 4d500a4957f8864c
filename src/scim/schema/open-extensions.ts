import { ScimError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import { isDeclarableUrn } from './extension-definition.js';
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

/** ATTRNAME (RFC 7644 §3.10), as long as a declared attribute's name may be. */
export const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * How many undeclared attributes one request, and one tenant, may bring: a declared extension
 * has at most 200, and an accepting tenant's registry, rebuilt when one appears, must stay small.
 */
export const MAX_UNDECLARED_PER_REQUEST = 200;
export const MAX_UNDECLARED_PER_TENANT = 1000;

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

const extensionOf = (type: ResourceTypeDefinition, urn: string): SchemaExtension | undefined =>
  type.schemaExtensions.find((e) => e.schema.id.toLowerCase() === urn.toLowerCase());

const isDeclared = (type: ResourceTypeDefinition, urn: string): boolean => {
  if (type.schema.id.toLowerCase() === urn.toLowerCase()) return true;
  const extension = extensionOf(type, urn);
  return extension !== undefined && extension.open !== true;
};

/**
 * A URN an undeclared extension may have: one the tenant could declare later (the grammar of
 * declared ones, not built in, not reserved), and none of this type's declared schemas.
 */
const isUndeclaredUrn = (type: ResourceTypeDefinition, urn: string): boolean =>
  isDeclarableUrn(urn) && !isDeclared(type, urn);

class Found {
  readonly map = new Map<string, { urn: string; attributes: Set<string> }>();
  private count = 0;

  /** Names compare case-insensitively (RFC 7643 §2.1): the first spelling is kept. */
  add(urn: string, attribute: string): void {
    if (!ATTRIBUTE_NAME.test(attribute)) return;
    const entry = this.map.get(urn.toLowerCase()) ?? { urn, attributes: new Set<string>() };
    const lower = attribute.toLowerCase();
    if ([...entry.attributes].some((a) => a.toLowerCase() === lower)) return;
    this.count += 1;
    if (this.count > MAX_UNDECLARED_PER_REQUEST) {
      throw new ScimError(
        400,
        'invalidValue',
        `The request carries more than ${MAX_UNDECLARED_PER_REQUEST} attributes under extensions this tenant has not declared; declare the extensions (docs/schemas.md).`,
      );
    }
    entry.attributes.add(attribute);
    this.map.set(urn.toLowerCase(), entry);
  }
}

/**
 * Undeclared extension objects in a resource body (POST, PUT, a pathless PATCH value): keys that
 * are URNs no declared schema of the type has, whose value is an object of attributes.
 */
export function undeclaredInResource(type: ResourceTypeDefinition, body: unknown): FoundExtensions {
  const found = new Found();
  if (isJsonObject(body)) collectResource(type, body, found);
  return found.map;
}

function collectResource(type: ResourceTypeDefinition, body: JsonObject, found: Found): void {
  for (const [key, value] of Object.entries(body)) {
    if (!isJsonObject(value) || !isUndeclaredUrn(type, key)) continue;
    const urn = extensionOf(type, key)?.schema.id ?? key;
    for (const name of Object.keys(value)) found.add(urn, name);
  }
}

/**
 * Undeclared extensions a PATCH names, in operations as the provider rules left them: a path
 * `urn:…:attr` whose URN no schema of the type has (the attribute is what follows the last colon:
 * an undeclared URN has no definition to tell where it ends), a bare URN with an object of
 * attributes, and extension objects in pathless values.
 */
export function undeclaredInPatch(type: ResourceTypeDefinition, operations: readonly JsonValue[]): FoundExtensions {
  const found = new Found();
  for (const operation of operations) {
    if (!isJsonObject(operation)) continue;
    const entries = Object.entries(operation).map(([k, v]) => [k.toLowerCase(), v] as const);
    const path = entries.find(([k]) => k === 'path')?.[1];
    const value = entries.find(([k]) => k === 'value')?.[1];
    if (path === undefined) {
      if (isJsonObject(value)) collectResource(type, value, found);
      continue;
    }
    if (typeof path !== 'string' || !path.toLowerCase().startsWith('urn:') || path.includes('[')) continue;
    const whole = extensionOf(type, path);
    if (whole !== undefined || type.schema.id.toLowerCase() === path.toLowerCase()) {
      // A bare URN of the type: a declared one is validated as such; an open one brings the
      // attributes its object names (a remove, none).
      if (whole?.open === true && isJsonObject(value))
        for (const name of Object.keys(value)) found.add(whole.schema.id, name);
      continue;
    }
    if (isJsonObject(value) && isUndeclaredUrn(type, path)) {
      // A bare undeclared URN with an object of attributes, as a pathless value becomes
      // (pathless-dotted-keys).
      for (const name of Object.keys(value)) found.add(path, name);
      continue;
    }
    const cut = path.lastIndexOf(':');
    const urn = path.slice(0, cut);
    const name = path.slice(cut + 1).split('.')[0] ?? '';
    if (isUndeclaredUrn(type, urn)) found.add(extensionOf(type, urn)?.schema.id ?? urn, name);
  }
  return found.map;
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
