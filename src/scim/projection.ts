import type { AttributePath } from './filter/ast.js';
import type { JsonObject, JsonValue } from './resource/json.js';
import { isJsonObject } from './resource/json.js';
import { commonAttributes } from './schema/common-attributes.js';
import type { ResourceTypeDefinition } from './schema/registry.js';
import { resolvePath } from './schema/resolve.js';
import type { AttributeDefinition } from './schema/types.js';

/** The `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.4.2.5, §3.9). */
export interface Projection {
  readonly attributes?: readonly AttributePath[];
  readonly excludedAttributes?: readonly AttributePath[];
}

/**
 * The projection of a response nobody reads (Bulk, PATCH answered 204): nothing the service
 * computes (Group members, User groups) is loaded for it.
 */
export const ID_ONLY: Projection = { attributes: [{ attribute: 'id' }] };

/** Which parts of one attribute a request asked for: the whole of it, or some sub-attributes. */
type Selection = 'all' | Set<string>;

interface Selections {
  /** Keyed by lowercased "<container>|<attribute>", container being "" (core) or the extension URN. */
  readonly byAttribute: Map<string, Selection>;
  /** Extensions asked for as a whole, by lowercased URN. */
  readonly wholeExtensions: Set<string>;
}

function select(type: ResourceTypeDefinition, paths: readonly AttributePath[]): Selections {
  const byAttribute = new Map<string, Selection>();
  const wholeExtensions = new Set<string>();
  for (const path of paths) {
    // A bare extension URN (attribute "") names the whole extension.
    if (path.attribute === '' && path.schema !== undefined) {
      wholeExtensions.add(path.schema.toLowerCase());
      continue;
    }
    const resolved = resolvePath(type, path, 'invalidValue');
    const container = resolved.extension && resolved.schema !== undefined ? resolved.schema.id.toLowerCase() : '';
    const key = `${container}|${resolved.attribute.name.toLowerCase()}`;
    const previous = byAttribute.get(key);
    if (resolved.subAttribute === undefined || previous === 'all') {
      byAttribute.set(key, 'all');
    } else {
      const subs = previous ?? new Set<string>();
      subs.add(resolved.subAttribute.name.toLowerCase());
      byAttribute.set(key, subs);
    }
  }
  return { byAttribute, wholeExtensions };
}

/** Definitions by exact and by lowercased name: stored documents use the exact ones. */
type Definitions = ReadonlyMap<string, AttributeDefinition>;

function definitionsOf(attributes: readonly AttributeDefinition[]): Definitions {
  const byName = new Map<string, AttributeDefinition>();
  for (const a of attributes) byName.set(a.name.toLowerCase(), a).set(a.name, a);
  return byName;
}

const lookup = (definitions: Definitions, key: string) => definitions.get(key) ?? definitions.get(key.toLowerCase());

interface TypeIndex {
  readonly core: Definitions;
  /** By lowercased URN. */
  readonly extensions: ReadonlyMap<string, Definitions>;
}

// Projection runs on every resource of every response: the lookups it needs are built once.
const typeIndexes = new WeakMap<ResourceTypeDefinition, TypeIndex>();
const subIndexes = new WeakMap<AttributeDefinition, Definitions>();

function indexOf(type: ResourceTypeDefinition): TypeIndex {
  let index = typeIndexes.get(type);
  if (index === undefined) {
    index = {
      core: definitionsOf([...commonAttributes, ...type.schema.attributes]),
      extensions: new Map(
        type.schemaExtensions.map((e) => [e.schema.id.toLowerCase(), definitionsOf(e.schema.attributes)]),
      ),
    };
    typeIndexes.set(type, index);
  }
  return index;
}

function subAttributesOf(definition: AttributeDefinition): Definitions {
  let subs = subIndexes.get(definition);
  if (subs === undefined) {
    subs = definitionsOf(definition.subAttributes ?? []);
    subIndexes.set(definition, subs);
  }
  return subs;
}

/**
 * Applies the `returned` characteristic of every attribute and the request's `attributes` or
 * `excludedAttributes` to a full resource representation (RFC 7643 §7, RFC 7644 §3.4.2.5):
 * "always" attributes are always there, "never" ones never, "request" ones only when asked for,
 * and "default" ones unless the request narrows or excludes them. `schemas` is always kept.
 */
export function project(type: ResourceTypeDefinition, resource: JsonObject, projection: Projection = {}): JsonObject {
  const included = projection.attributes === undefined ? undefined : select(type, projection.attributes);
  const excluded =
    projection.excludedAttributes === undefined ? undefined : select(type, projection.excludedAttributes);
  const index = indexOf(type);
  const out: JsonObject = {};

  for (const key of Object.keys(resource)) {
    const value = resource[key] as JsonValue;
    if (key === 'schemas') {
      out[key] = value;
      continue;
    }
    const extension = key.includes(':') ? index.extensions.get(key.toLowerCase()) : undefined;
    if (extension !== undefined) {
      if (!isJsonObject(value)) continue;
      const urn = key.toLowerCase();
      if (excluded?.wholeExtensions.has(urn) === true) continue;
      const whole = included?.wholeExtensions.has(urn) === true;
      const inner = projectAttributes(extension, value, urn, whole ? undefined : included, excluded);
      if (Object.keys(inner).length > 0) out[key] = inner;
      continue;
    }
    const definition = lookup(index.core, key);
    if (definition === undefined) continue;
    const kept = projectAttribute(definition, value, '', included, excluded);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function projectAttributes(
  definitions: Definitions,
  values: JsonObject,
  container: string,
  included: Selections | undefined,
  excluded: Selections | undefined,
): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(values)) {
    const definition = lookup(definitions, key);
    if (definition === undefined) continue;
    const kept = projectAttribute(definition, values[key] as JsonValue, container, included, excluded);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** What of one attribute's value the response shows, if anything. */
function projectAttribute(
  definition: AttributeDefinition,
  value: JsonValue,
  container: string,
  included: Selections | undefined,
  excluded: Selections | undefined,
): JsonValue | undefined {
  if (definition.returned === 'never') return undefined;
  if (definition.returned === 'always') return value;
  if (included === undefined && excluded === undefined) {
    return definition.returned === 'request' ? undefined : narrow(definition, value, undefined, undefined);
  }
  const id = `${container}|${definition.name.toLowerCase()}`;
  const asked = included?.byAttribute.get(id);
  if (included !== undefined && asked === undefined) return undefined;
  if (included === undefined && definition.returned === 'request') return undefined;
  const dropped = excluded?.byAttribute.get(id);
  if (dropped === 'all') return undefined;
  return narrow(definition, value, asked === 'all' ? undefined : asked, dropped);
}

/** Keeps the sub-attributes of a complex value (or of each element) that the request selects. */
function narrow(
  definition: AttributeDefinition,
  value: JsonValue,
  only: Set<string> | undefined,
  without: Set<string> | undefined,
): JsonValue | undefined {
  if (definition.type !== 'complex' || definition.subAttributes === undefined) return value;
  const subs = subAttributesOf(definition);
  const pick = (element: JsonValue): JsonValue => {
    if (!isJsonObject(element)) return element;
    const out: JsonObject = {};
    for (const k of Object.keys(element)) {
      const sub = lookup(subs, k);
      if (sub === undefined || sub.returned === 'never') continue;
      if (sub.returned !== 'always' && (only !== undefined || without !== undefined || sub.returned === 'request')) {
        const name = sub.name.toLowerCase();
        if (only !== undefined && !only.has(name)) continue;
        if (only === undefined && sub.returned === 'request') continue;
        if (without?.has(name) === true) continue;
      }
      out[k] = element[k] as JsonValue;
    }
    return out;
  };
  if (Array.isArray(value)) {
    const elements: JsonValue[] = [];
    for (const element of value) {
      const kept = pick(element);
      if (!isJsonObject(kept) || Object.keys(kept).length > 0) elements.push(kept);
    }
    return elements.length === 0 ? undefined : elements;
  }
  const single = pick(value);
  return isJsonObject(single) && Object.keys(single).length === 0 ? undefined : single;
}

/**
 * Whether a response will show the attribute at all, so attributes computed by a query (Group
 * members, User groups) are loaded only when they are asked for: `excludedAttributes=members`
 * makes a group read cheap.
 */
export function isRequested(type: ResourceTypeDefinition, name: string, projection: Projection): boolean {
  const definition = type.schema.attributes.find((a) => a.name === name);
  if (definition === undefined || definition.returned === 'never') return false;
  const named = (paths: readonly AttributePath[] | undefined) =>
    paths?.some(
      (p) =>
        p.attribute.toLowerCase() === name.toLowerCase() &&
        (p.schema === undefined || p.schema.toLowerCase() === type.schema.id.toLowerCase()),
    ) === true;
  if (definition.returned === 'always') return true;
  if (projection.attributes !== undefined) return named(projection.attributes);
  if (definition.returned === 'request') return false;
  const excludedWhole = projection.excludedAttributes?.some(
    (p) =>
      p.attribute.toLowerCase() === name.toLowerCase() &&
      p.subAttribute === undefined &&
      (p.schema === undefined || p.schema.toLowerCase() === type.schema.id.toLowerCase()),
  );
  return excludedWhole !== true;
}

/**
 * The resource without the attributes whose `returned` is "never" (RFC 7643 §7), and nothing else
 * taken away: what change events carry, for the app (which also gets "request" attributes), never
 * what SCIM itself would never return.
 */
export function withoutNeverReturned(type: ResourceTypeDefinition, resource: JsonObject): JsonObject {
  const index = indexOf(type);
  const keep = (definitions: Definitions, values: JsonObject): JsonObject => {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(values)) {
      const definition = lookup(definitions, key);
      if (definition?.returned === 'never') continue;
      out[key] = definition === undefined ? value : withoutNeverSubs(definition, value);
    }
    return out;
  };
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    const extension = key.includes(':') ? index.extensions.get(key.toLowerCase()) : undefined;
    if (extension !== undefined && isJsonObject(value)) out[key] = keep(extension, value);
    else if (extension === undefined) Object.assign(out, keep(index.core, { [key]: value }));
  }
  return out;
}

function withoutNeverSubs(definition: AttributeDefinition, value: JsonValue): JsonValue {
  if (definition.type !== 'complex' || definition.subAttributes === undefined) return value;
  const subs = subAttributesOf(definition);
  const element = (item: JsonValue): JsonValue => {
    if (!isJsonObject(item)) return item;
    return Object.fromEntries(Object.entries(item).filter(([k]) => lookup(subs, k)?.returned !== 'never'));
  };
  return Array.isArray(value) ? value.map(element) : element(value);
}
