import { parsePatchPath } from '../filter/parse.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import { commonAttributes } from '../schema/common-attributes.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import { resolvePath } from '../schema/resolve.js';
import type { AttributeDefinition } from '../schema/types.js';
import { RULES } from './rules.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user';

// Pre-RFC schema URNs (SCIM 1.x drafts, and connectors that kept their names for 2.0), by what
// each means (rule legacy-schema-urns). "core" is the resource type's own core schema.
const LEGACY_CORE = /^urn:scim:schemas:core:[12]\.0$/i;
const LEGACY_ENTERPRISE = /^urn:scim:schemas:extension:enterprise:[12]\.0$/i;
const LEGACY_ENTERPRISE_PREFIX = /^urn:scim:schemas:extension:enterprise:[12]\.0:/i;
const ENTERPRISE_ID = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** What a body became, and which rules it took. */
export interface Normalized<T> {
  readonly value: T;
  readonly fired: ReadonlySet<string>;
}

const lowerKeyed = (object: JsonObject, name: string): [string, JsonValue] | undefined => {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : [key, object[key] as JsonValue];
};

/** "True"/"False" in any case, where the definition says boolean (rule boolean-strings). */
function coerceValue(definition: AttributeDefinition, value: JsonValue, fired: Set<string>): JsonValue {
  if (definition.type === 'boolean' && typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') {
      fired.add(RULES.booleanStrings.name);
      return lower === 'true';
    }
    return value;
  }
  if (definition.type === 'complex') {
    const subs = definition.subAttributes ?? [];
    const coerceElement = (element: JsonValue): JsonValue =>
      isJsonObject(element) ? coerceObject(subs, element, fired) : element;
    return Array.isArray(value) ? value.map(coerceElement) : coerceElement(value);
  }
  if (definition.multiValued && Array.isArray(value)) {
    return value.map((v) => coerceValue({ ...definition, multiValued: false }, v, fired));
  }
  return value;
}

function coerceObject(definitions: readonly AttributeDefinition[], object: JsonObject, fired: Set<string>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const definition = definitions.find((d) => d.name.toLowerCase() === key.toLowerCase());
    out[key] = definition === undefined ? value : coerceValue(definition, value, fired);
  }
  return out;
}

const hasEnterprise = (type: ResourceTypeDefinition) =>
  type.schemaExtensions.some((e) => e.schema.id.toLowerCase() === ENTERPRISE);

/** The RFC URN a pre-RFC one means for this resource type, or undefined (rule legacy-schema-urns). */
function modernUrn(type: ResourceTypeDefinition, urn: string): string | undefined {
  if (LEGACY_CORE.test(urn)) return type.schema.id;
  if (LEGACY_ENTERPRISE.test(urn) && hasEnterprise(type)) return ENTERPRISE_ID;
  return undefined;
}

/** `schemas` and extension keys named by pre-RFC URNs, renamed to the RFC ones. */
function modernSchemas(type: ResourceTypeDefinition, body: JsonObject, fired: Set<string>): JsonObject {
  let out = body;
  const schemasEntry = lowerKeyed(body, 'schemas');
  if (schemasEntry !== undefined && Array.isArray(schemasEntry[1])) {
    const schemas = schemasEntry[1];
    const renamed = schemas.map((s) => (typeof s === 'string' ? (modernUrn(type, s) ?? s) : s));
    if (renamed.some((s, i) => s !== schemas[i])) {
      fired.add(RULES.legacySchemaUrns.name);
      // The RFC URN may be there already (Google sends both): once is enough.
      out = { ...out, [schemasEntry[0]]: [...new Set(renamed)] };
    }
  }
  const legacyKey = Object.keys(out).find((k) => LEGACY_ENTERPRISE.test(k));
  if (legacyKey !== undefined && hasEnterprise(type) && lowerKeyed(out, ENTERPRISE) === undefined) {
    fired.add(RULES.legacySchemaUrns.name);
    const { [legacyKey]: extension, ...rest } = out;
    out = { ...rest, [ENTERPRISE_ID]: extension as JsonValue };
  }
  return withListedExtensions(type, withoutEmptyUnknownSchemas(type, out, fired), fired);
}

/** `schemas` with the URN of every extension object the body carries (rule extension-not-in-schemas). */
function withListedExtensions(type: ResourceTypeDefinition, body: JsonObject, fired: Set<string>): JsonObject {
  const entry = lowerKeyed(body, 'schemas');
  if (entry === undefined || !Array.isArray(entry[1])) return body;
  const listed = new Set(entry[1].map((s) => (typeof s === 'string' ? s.toLowerCase() : s)));
  const missing = type.schemaExtensions
    .map((e) => e.schema.id)
    .filter((id) => !listed.has(id.toLowerCase()) && isJsonObject(lowerKeyed(body, id.toLowerCase())?.[1] ?? null));
  if (missing.length === 0) return body;
  fired.add(RULES.extensionNotInSchemas.name);
  return { ...body, [entry[0]]: [...entry[1], ...missing] };
}

/** `schemas` without the URIs of other schemas that carry nothing (rule unknown-schema-without-attributes). */
function withoutEmptyUnknownSchemas(type: ResourceTypeDefinition, body: JsonObject, fired: Set<string>): JsonObject {
  const entry = lowerKeyed(body, 'schemas');
  if (entry === undefined || !Array.isArray(entry[1])) return body;
  const own = new Set([type.schema.id, ...type.schemaExtensions.map((e) => e.schema.id)].map((id) => id.toLowerCase()));
  // An unknown schema whose attributes are sent is the strict core's to refuse: dropping it would lose them.
  const kept = entry[1].filter(
    (s) => typeof s !== 'string' || own.has(s.toLowerCase()) || lowerKeyed(body, s.toLowerCase()) !== undefined,
  );
  if (kept.length === entry[1].length) return body;
  fired.add(RULES.unknownSchemaWithoutAttributes.name);
  return { ...body, [entry[0]]: kept };
}

/** A resource as POST/PUT (or a pathless PATCH value) carries it: core attributes and extension objects. */
function normalizeResource(type: ResourceTypeDefinition, body: JsonObject, fired: Set<string>): JsonObject {
  const core = [...commonAttributes, ...type.schema.attributes];
  const out = coerceObject(core, modernSchemas(type, body, fired), fired);
  for (const extension of type.schemaExtensions) {
    const entry = lowerKeyed(out, extension.schema.id.toLowerCase());
    if (entry === undefined || !isJsonObject(entry[1])) continue;
    let inner = coerceObject(extension.schema.attributes, entry[1], fired);
    if (extension.schema.id.toLowerCase() === ENTERPRISE) inner = managerObject(inner, fired);
    out[entry[0]] = inner;
  }
  return out;
}

/** `"manager": "id"` → `"manager": {"value": "id"}` (rule manager-as-string). */
function managerObject(enterprise: JsonObject, fired: Set<string>): JsonObject {
  const entry = lowerKeyed(enterprise, 'manager');
  if (entry === undefined || typeof entry[1] !== 'string') return enterprise;
  fired.add(RULES.managerAsString.name);
  const { [entry[0]]: _, ...rest } = enterprise;
  return entry[1] === '' ? rest : { ...rest, [entry[0]]: { value: entry[1] } };
}

/** POST and PUT bodies. */
export function normalizeResourceBody(type: ResourceTypeDefinition, body: unknown): Normalized<unknown> {
  const fired = new Set<string>();
  if (!isJsonObject(body)) return { value: body, fired };
  return { value: normalizeResource(type, body, fired), fired };
}

const isManagerPath = (path: string) => {
  const lower = path.toLowerCase();
  return lower === `${ENTERPRISE}:manager` || lower === 'manager';
};

const isEmpty = (value: JsonValue | undefined) =>
  value === undefined ||
  value === null ||
  value === '' ||
  (isJsonObject(value) && (value['value'] === undefined || value['value'] === null || value['value'] === ''));

/** One operation's JSON, the rules applied; may become several operations. */
function normalizeOperation(
  type: ResourceTypeDefinition,
  input: JsonValue,
  fired: Set<string>,
  resourceId: string | undefined,
): JsonValue[] {
  if (!isJsonObject(input)) return [input];
  let operation: JsonObject = { ...input };
  const opEntry = lowerKeyed(operation, 'op');
  if (opEntry !== undefined && typeof opEntry[1] === 'string') {
    const lower = opEntry[1].toLowerCase();
    if (lower !== opEntry[1] && ['add', 'remove', 'replace'].includes(lower)) {
      fired.add(RULES.patchOpCase.name);
      operation = { ...operation, [opEntry[0]]: lower };
    }
  }
  const op = lowerKeyed(operation, 'op')?.[1];
  const pathEntry = lowerKeyed(operation, 'path');
  const valueEntry = lowerKeyed(operation, 'value');
  const valueKey = valueEntry?.[0] ?? 'value';
  const value = valueEntry?.[1];

  if (pathEntry === undefined) {
    if ((op !== 'add' && op !== 'replace') || !isJsonObject(value)) return [operation];
    // Keys that are attribute paths become operations of their own (rule pathless-dotted-keys).
    const schemaIds = new Set(
      [type.schema.id, ...type.schemaExtensions.map((e) => e.schema.id)].map((id) => id.toLowerCase()),
    );
    const split: JsonValue[] = [];
    const rest: JsonObject = {};
    for (const [key, inner] of Object.entries(modernSchemas(type, value, fired))) {
      // The resource's own id, unchanged, is no change (rule pathless-own-id); another id is
      // left for the strict core to refuse as a change of a readOnly attribute.
      if (key.toLowerCase() === 'id' && resourceId !== undefined && inner === resourceId) {
        fired.add(RULES.pathlessOwnId.name);
        continue;
      }
      const isPath = !schemaIds.has(key.toLowerCase()) && (key.includes('.') || key.toLowerCase().startsWith('urn:'));
      if (isPath) split.push(...normalizeOperation(type, { op, path: key, value: inner }, fired, resourceId));
      else rest[key] = inner;
    }
    if (split.length > 0) fired.add(RULES.pathlessDottedKeys.name);
    // Kept when nothing else is left, so the request still has its operation (one that changes nothing).
    const remaining =
      Object.keys(rest).length > 0 || split.length === 0
        ? [{ ...operation, [valueKey]: normalizeResource(type, rest, fired) }]
        : [];
    return [...remaining, ...split];
  }

  let path = pathEntry[1];
  if (typeof path !== 'string') return [operation];
  if (LEGACY_ENTERPRISE_PREFIX.test(path) && hasEnterprise(type)) {
    fired.add(RULES.legacySchemaUrns.name);
    path = path.replace(LEGACY_ENTERPRISE_PREFIX, `${ENTERPRISE_ID}:`);
    operation = { ...operation, [pathEntry[0]]: path };
  }
  if (isManagerPath(path) && hasEnterprise(type)) {
    if (op === 'replace' && isEmpty(value)) {
      fired.add(RULES.managerAsString.name);
      return [{ op: 'remove', path }];
    }
    if (typeof value === 'string') {
      fired.add(RULES.managerAsString.name);
      return [{ ...operation, [valueKey]: { value } }];
    }
  }
  const list = referenceLists(type).find((name) => name.toLowerCase() === path.toLowerCase());
  if (op === 'remove' && list !== undefined && Array.isArray(value) && value.length > 0) {
    const ids = value.map((m) => (isJsonObject(m) ? m['value'] : undefined));
    if (ids.every((id): id is string => typeof id === 'string')) {
      // Without this, "remove" of "members" would empty the group (RFC 7644 §3.5.2.2).
      fired.add(RULES.removeMembersByValue.name);
      const filter = ids.map((id) => `value eq ${JSON.stringify(id)}`).join(' or ');
      return [{ op: 'remove', path: `${list}[${filter}]` }];
    }
  }
  if (value !== undefined && (op === 'add' || op === 'replace')) {
    const definition = definitionAt(type, path);
    if (definition !== undefined) return [{ ...operation, [valueKey]: coerceValue(definition, value, fired) }];
  }
  return [operation];
}

/**
 * The type's lists of references to other resources, whose values a "remove" may list: Group
 * members, and the multi-valued references of a storage descriptor (Agent owners, …).
 */
function referenceLists(type: ResourceTypeDefinition): string[] {
  const membership = type.storage.membership;
  const lists = (type.storage.references ?? [])
    .map((r) => r.attribute)
    .filter((name) => type.schema.attributes.some((a) => a.name === name && a.multiValued));
  return membership?.side === 'group' ? [membership.attribute, ...lists] : lists;
}

/** The attribute (or sub-attribute) a PATCH path names; undefined when it names none. */
function definitionAt(type: ResourceTypeDefinition, text: string): AttributeDefinition | undefined {
  try {
    const parsed = parsePatchPath(text, {
      schemaUrns: [type.schema.id, ...type.schemaExtensions.map((e) => e.schema.id)],
    });
    if (parsed.path.attribute === '') return undefined;
    const resolved = resolvePath(type, parsed.path, 'invalidPath');
    const subName = parsed.subAttribute ?? resolved.subAttribute?.name;
    if (subName === undefined) return resolved.attribute;
    return resolved.attribute.subAttributes?.find((s) => s.name.toLowerCase() === subName.toLowerCase());
  } catch {
    // A malformed or unknown path is the strict core's to report.
    return undefined;
  }
}

/** A PATCH request body (RFC 7644 §3.5.2), before the strict parser sees it. */
export function normalizePatchBody(
  type: ResourceTypeDefinition,
  body: unknown,
  resourceId?: string,
): Normalized<unknown> {
  const fired = new Set<string>();
  if (!isJsonObject(body)) return { value: body, fired };
  const entry = lowerKeyed(body, 'operations');
  if (entry === undefined || !Array.isArray(entry[1])) return { value: body, fired };
  const operations = entry[1].flatMap((operation) => normalizeOperation(type, operation, fired, resourceId));
  return { value: { ...body, [entry[0]]: operations }, fired };
}
