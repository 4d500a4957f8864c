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
  const out: JsonObject = {};
  const coreDefinitions = [...commonAttributes, ...type.schema.attributes];
  const extensionIds = new Map(type.schemaExtensions.map((e) => [e.schema.id.toLowerCase(), e.schema]));

  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      out[key] = value;
      continue;
    }
    const extension = extensionIds.get(key.toLowerCase());
    if (extension !== undefined) {
      if (!isJsonObject(value)) continue;
      const urn = extension.id.toLowerCase();
      const whole = included?.wholeExtensions.has(urn) === true;
      const inner = projectAttributes(extension.attributes, value, urn, whole ? undefined : included, excluded);
      if (excluded?.wholeExtensions.has(urn) === true) continue;
      if (Object.keys(inner).length > 0) out[key] = inner;
      continue;
    }
    Object.assign(out, projectAttributes(coreDefinitions, { [key]: value }, '', included, excluded));
  }
  return out;
}

function projectAttributes(
  definitions: readonly AttributeDefinition[],
  values: JsonObject,
  container: string,
  included: Selections | undefined,
  excluded: Selections | undefined,
): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(values)) {
    const definition = definitions.find((d) => d.name.toLowerCase() === key.toLowerCase());
    if (definition === undefined || definition.returned === 'never') continue;
    const id = `${container}|${definition.name.toLowerCase()}`;
    if (definition.returned === 'always') {
      out[key] = value;
      continue;
    }
    const asked = included?.byAttribute.get(id);
    if (included !== undefined && asked === undefined) continue;
    if (included === undefined && definition.returned === 'request') continue;
    const dropped = excluded?.byAttribute.get(id);
    if (dropped === 'all') continue;
    const kept = narrow(definition, value, asked === 'all' ? undefined : asked, dropped);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** Keeps the sub-attributes of a complex value (or of each element) that the request selects. */
function narrow(
  definition: AttributeDefinition,
  value: JsonValue,
  only: Set<string> | undefined,
  without: Set<string> | undefined,
): JsonValue | undefined {
  if (definition.type !== 'complex' || definition.subAttributes === undefined) return value;
  const subs = definition.subAttributes;
  const pick = (element: JsonValue): JsonValue => {
    if (!isJsonObject(element)) return element;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(element)) {
      const sub = subs.find((s) => s.name.toLowerCase() === k.toLowerCase());
      if (sub === undefined || sub.returned === 'never') continue;
      const name = sub.name.toLowerCase();
      if (sub.returned !== 'always') {
        if (only !== undefined && !only.has(name)) continue;
        if (only === undefined && sub.returned === 'request') continue;
        if (without?.has(name) === true) continue;
      }
      out[k] = v;
    }
    return out;
  };
  if (Array.isArray(value)) {
    const elements = value.map(pick).filter((e) => !isJsonObject(e) || Object.keys(e).length > 0);
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
