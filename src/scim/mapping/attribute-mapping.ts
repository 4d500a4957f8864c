import { ScimError } from '../errors.js';
import type { AttributePath, Filter } from '../filter/ast.js';
import { compileValueFilter, type ElementPredicate } from '../filter/evaluate.js';
import { formatPatchPath } from '../filter/format.js';
import { quote } from '../filter/lexer.js';
import { parsePatchPath } from '../filter/parse.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import type { ResourceTypeDefinition, SchemaRegistry } from '../schema/registry.js';
import { resolvePath, resolveSubAttribute } from '../schema/resolve.js';
import type { AttributeDefinition } from '../schema/types.js';

/**
 * Attribute mapping: a tenant's description of the SaaS app's own model of a resource, as
 * `{"User": {"<appField>": "<SCIM path>" | ["<SCIM path>", …]}, "Group": {…}}`. Every change
 * event and admin read carries the resource mapped through it, so the app reads `email` rather
 * than learning SCIM's `emails[primary eq true].value`.
 *
 * A SCIM path is an attribute path (RFC 7644 §3.10), optionally with a value filter and a
 * sub-attribute after it as PATCH paths have them (§3.5.2, `emails[type eq "work"].value`), or a
 * bare extension URN for the whole extension object. Each path is checked against the resource
 * type once, when the mapping is saved, so a path that can never match is refused then rather
 * than yielding null forever.
 *
 * How a value is read from a resource's SCIM representation (names case-insensitive, RFC 7643
 * §2.1; extension attributes under their schema URN, RFC 7643 §3.3):
 * - Every mapped field is present in the result, null when it has no value, so the app's model
 *   has a fixed shape. Unassigned, null and an empty array count alike as no value (RFC 7643 §2.5).
 * - `attr` and `attr.sub` of a single-valued attribute: that value (an object for a complex
 *   attribute such as `name`).
 * - `attr` of a multi-valued attribute: the whole array (`groups` → the group objects).
 * - `attr.sub` of a multi-valued attribute, without filter: the array of the elements' sub-values,
 *   elements without one left out (`emails.value` → every address).
 * - `attr[filter]` and `attr[filter].sub`: the FIRST element matching the filter, in array order,
 *   or its sub-value; null when no element matches or the first match lacks the sub-attribute
 *   (later matches are not searched: "the work email" is one email).
 * - A list of paths is a fallback chain: the first path with a value wins.
 */

/** One app field's SCIM paths: one path, or 1 to MAX_PATHS_PER_FIELD tried in order. */
export type MappedPaths = string | readonly string[];

/** The mapping as an operator writes it and GET returns it: resource type id → app field → paths. */
export type AttributeMapping = Readonly<Record<string, Readonly<Record<string, MappedPaths>>>>;

/** A mapping checked against a registry (parseAttributeMapping), ready for mapResource. */
export interface CompiledAttributeMapping {
  /** By lower-cased resource type id, in the order the mapping named them. */
  readonly types: ReadonlyMap<string, CompiledTypeMapping>;
}

export interface CompiledTypeMapping {
  readonly type: ResourceTypeDefinition;
  readonly fields: readonly CompiledField[];
}

export interface CompiledField {
  readonly name: string;
  /** At least one; the first that yields a value wins. */
  readonly paths: readonly CompiledPath[];
}

export interface CompiledPath {
  /** The path with canonical spellings (the schema's names, no core URN), as GET returns it. */
  readonly text: string;
  /** The value at the path, or null (never undefined: the field is always present). */
  readonly read: (resource: JsonObject) => JsonValue;
  /**
   * The path reads the attribute the type computes from memberships (User groups, Group members:
   * storage descriptor), which change events do not carry (their member events tell them).
   */
  readonly membership: boolean;
}

/** A JavaScript identifier the app can use as a property or column name as it is. */
const APP_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_FIELDS_PER_TYPE = 100;
export const MAX_PATHS_PER_FIELD = 5;
/** Far beyond any real attribute path (the longest URN-qualified ones are under 100 characters). */
export const MAX_PATH_LENGTH = 1000;
/** A body of thousands of bad entries should not become a megabyte-long error. */
const MAX_LISTED_PROBLEMS = 20;

/**
 * Checks a mapping body against a tenant's registry. Every problem is collected, each named as
 * `<Type>.<field>: "<path>": <why>`, and thrown together as one ScimError 400 invalidPath.
 */
export function parseAttributeMapping(body: unknown, registry: SchemaRegistry): CompiledAttributeMapping {
  const problems: string[] = [];
  const types = new Map<string, CompiledTypeMapping>();
  if (!isJsonObject(body)) {
    problems.push('the attribute mapping must be an object of resource type → { app field: SCIM path }');
  } else {
    for (const [key, fields] of Object.entries(body)) {
      const type = registry.resourceType(key);
      if (type === undefined) {
        const known = registry.resourceTypes.map((t) => t.id).join(', ');
        problems.push(`${quote(key)}: not a resource type (known: ${known})`);
        continue;
      }
      const id = type.id.toLowerCase();
      if (types.has(id)) {
        problems.push(`${quote(key)}: ${type.id} is mapped twice (resource type ids compare case-insensitively)`);
        continue;
      }
      const compiled = compileType(type, fields, problems);
      if (compiled !== undefined) types.set(id, compiled);
    }
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length - listed.length;
    throw new ScimError(
      400,
      'invalidPath',
      `Invalid attribute mapping: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}.`,
    );
  }
  return { types };
}

/**
 * The mapped form of a resource, or undefined when the mapping has no entry for its type. Values
 * are copies: changing the result leaves the resource as it was.
 */
export function mapResource(
  compiled: CompiledAttributeMapping,
  resourceTypeId: string,
  resource: JsonObject,
  options: MapOptions = {},
): JsonObject | undefined {
  const mapping = compiled.types.get(resourceTypeId.toLowerCase());
  if (mapping === undefined) return undefined;
  const fields =
    options.withoutMemberships === true
      ? mapping.fields.filter((field) => !field.paths.some((p) => p.membership))
      : mapping.fields;
  return Object.fromEntries(
    fields.map((field): [string, JsonValue] => {
      for (const path of field.paths) {
        const value = path.read(resource);
        if (value !== null) return [field.name, typeof value === 'object' ? structuredClone(value) : value];
      }
      return [field.name, null];
    }),
  );
}

export interface MapOptions {
  /**
   * Leave out the fields that read memberships (User groups, Group members): for change events,
   * whose data does not hold them either.
   */
  readonly withoutMemberships?: boolean;
}

/** The mapping in its canonical JSON form (for GET): canonical type ids and path spellings. */
export function attributeMappingBody(compiled: CompiledAttributeMapping): AttributeMapping {
  return Object.fromEntries(
    [...compiled.types.values()].map(({ type, fields }) => [
      type.id,
      Object.fromEntries(
        fields.map(({ name, paths }): [string, MappedPaths] => {
          const [only, ...rest] = paths;
          return [name, only !== undefined && rest.length === 0 ? only.text : paths.map((p) => p.text)];
        }),
      ),
    ]),
  );
}

function compileType(
  type: ResourceTypeDefinition,
  fields: JsonValue,
  problems: string[],
): CompiledTypeMapping | undefined {
  if (!isJsonObject(fields)) {
    problems.push(`${type.id}: must be an object of app field → SCIM path`);
    return undefined;
  }
  const entries = Object.entries(fields);
  if (entries.length > MAX_FIELDS_PER_TYPE) {
    problems.push(`${type.id}: maps ${entries.length} fields, at most ${MAX_FIELDS_PER_TYPE} are allowed`);
    return undefined;
  }
  const compiled: CompiledField[] = [];
  for (const [name, value] of entries) {
    const label = `${type.id}.${APP_FIELD.test(name) ? name : quote(name)}`;
    const before = problems.length;
    if (!APP_FIELD.test(name)) {
      problems.push(`${label}: an app field name must be 1 to 64 letters, digits and "_", not starting with a digit`);
    } else if (name === '__proto__') {
      // A receiver that merges the mapped object into a plain JavaScript object would replace its prototype.
      problems.push(`${label}: "__proto__" is reserved`);
    }
    const texts = pathsOf(value);
    if (texts === undefined) {
      problems.push(`${label}: must be a SCIM path or a list of 1 to ${MAX_PATHS_PER_FIELD} SCIM paths`);
      continue;
    }
    const paths: CompiledPath[] = [];
    for (const text of texts) {
      if (text.length > MAX_PATH_LENGTH) {
        problems.push(`${label}: ${quote(text)}: a path is at most ${MAX_PATH_LENGTH} characters`);
        continue;
      }
      try {
        paths.push(compilePath(type, text));
      } catch (error) {
        if (!(error instanceof ScimError)) throw error;
        problems.push(`${label}: ${JSON.stringify(text)}: ${error.detail.replace(/\.$/, '')}`);
      }
    }
    if (problems.length === before) compiled.push({ name, paths });
  }
  return { type, fields: compiled };
}

function pathsOf(value: JsonValue): readonly string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATHS_PER_FIELD) return undefined;
  const texts = value.filter((v): v is string => typeof v === 'string');
  return texts.length === value.length ? texts : undefined;
}

/** Parses and resolves one path (throws ScimError), and builds its reader. */
function compilePath(type: ResourceTypeDefinition, text: string): CompiledPath {
  const extensions = type.schemaExtensions.map((e) => e.schema);
  const parsed = parsePatchPath(text, { schemaUrns: [type.schema.id, ...extensions.map((s) => s.id)] });
  const { path, filter } = parsed;

  if (path.attribute === '') {
    // A bare URN (see parsePatchPath): an extension's whole object, as PATCH may name it (§3.5.2).
    const wanted = path.schema?.toLowerCase();
    const schema = extensions.find((s) => s.id.toLowerCase() === wanted);
    if (schema === undefined) {
      throw new ScimError(400, 'invalidPath', 'the core schema URN names the whole resource, not an attribute');
    }
    return { text: schema.id, read: (resource) => valueOf(member(resource, schema.id)), membership: false };
  }

  // The attribute alone first, so an unknown sub-attribute is reported alike with or without a filter.
  const resolved = resolvePath(type, { schema: path.schema, attribute: path.attribute }, 'invalidPath');
  const { attribute } = resolved;
  const container = resolved.extension ? resolved.schema?.id : undefined;
  if (resolved.schema === undefined && attribute.name === 'meta') {
    // The statement that writes a resource fills meta in, after the mapping ran.
    throw new ScimError(400, 'invalidPath', "meta is the service's own: every event carries it in data.meta");
  }
  const membership = !resolved.extension && attribute.name === type.storage.membership?.attribute;
  if (attribute.returned === 'never') {
    throw new ScimError(400, 'invalidPath', `${attribute.name} is never returned (RFC 7643 §7), so it is not mapped`);
  }

  // A value filter picks elements (RFC 7644 §3.4.2.2 valuePath); a single value has none to pick.
  if (filter !== undefined && !attribute.multiValued) {
    throw new ScimError(
      400,
      'invalidPath',
      `a value filter selects elements of a multi-valued attribute, and ${attribute.name} is single-valued`,
    );
  }
  const predicate = filter === undefined ? undefined : compileValueFilter(type, attribute, filter, 'invalidPath');

  const subName = path.subAttribute ?? parsed.subAttribute;
  let sub: AttributeDefinition | undefined;
  if (subName !== undefined) {
    if (attribute.type !== 'complex') {
      throw new ScimError(400, 'invalidPath', `${attribute.name} has no sub-attributes`);
    }
    sub = resolveSubAttribute(attribute, subName, 'invalidPath');
    if (sub.returned === 'never') {
      throw new ScimError(
        400,
        'invalidPath',
        `${attribute.name}.${sub.name} is never returned (RFC 7643 §7), so it is not mapped`,
      );
    }
  }

  const canonical: AttributePath = { schema: container, attribute: attribute.name };
  const canonicalText =
    filter === undefined
      ? formatPatchPath({ path: { ...canonical, subAttribute: sub?.name } })
      : formatPatchPath({ path: canonical, filter: canonicalFilter(attribute, filter), subAttribute: sub?.name });

  const read = (resource: JsonObject): JsonValue => {
    const holder = container === undefined ? resource : member(resource, container);
    return isJsonObject(holder) ? readAttribute(attribute, member(holder, attribute.name), predicate, sub) : null;
  };
  return { text: canonicalText, read, membership };
}

/** One attribute's value by the rules in the file comment. */
function readAttribute(
  attribute: AttributeDefinition,
  value: JsonValue | undefined,
  predicate: ElementPredicate | undefined,
  sub: AttributeDefinition | undefined,
): JsonValue {
  const subOf = (element: JsonValue | undefined): JsonValue =>
    sub === undefined ? valueOf(element) : isJsonObject(element) ? valueOf(member(element, sub.name)) : null;
  if (predicate !== undefined) {
    // A simple multi-valued attribute's element is addressed as "value" (see compileValueFilter).
    const first = elementsOf(value).find((e) => predicate(isJsonObject(e) ? e : { value: e }));
    return first === undefined ? null : subOf(first);
  }
  if (sub !== undefined && attribute.multiValued) {
    const values = elementsOf(value)
      .map(subOf)
      .filter((v) => v !== null);
    return values.length === 0 ? null : values;
  }
  return subOf(value);
}

/** A multi-valued attribute's elements; a lone value stored without its array is one element. */
function elementsOf(value: JsonValue | undefined): readonly JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 7643 §2.5: unassigned, null and an empty array are the same state; all map to null. */
function valueOf(value: JsonValue | undefined): JsonValue {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return null;
  return value;
}

/** An own member by name, the exact spelling first, then case-insensitively (RFC 7643 §2.1). */
function member(object: JsonObject, name: string): JsonValue | undefined {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

/** The filter with the schema's spelling of each name; compileValueFilter has already checked them. */
function canonicalFilter(parent: AttributeDefinition, filter: Filter): Filter {
  const rename = (path: AttributePath): AttributePath => ({
    attribute: parent.type === 'complex' ? resolveSubAttribute(parent, path.attribute, 'invalidPath').name : 'value',
  });
  switch (filter.kind) {
    case 'compare':
    case 'present':
      return { ...filter, path: rename(filter.path) };
    case 'and':
    case 'or':
      return { ...filter, left: canonicalFilter(parent, filter.left), right: canonicalFilter(parent, filter.right) };
    case 'not':
      return { ...filter, filter: canonicalFilter(parent, filter.filter) };
    case 'valuePath':
      return filter;
  }
}
