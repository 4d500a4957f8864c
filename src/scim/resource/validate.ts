import { ScimError } from '../errors.js';
import { commonAttributes } from '../schema/common-attributes.js';
import { maxLengthOf, RESOURCE_MAX_LENGTH, TEXT_MAX_LENGTH } from '../schema/limits.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import type { AttributeDefinition } from '../schema/types.js';
import { normalizeDateTime } from './date-time.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { isStorableText } from './storable-text.js';
import { ATTRIBUTE_NAME, isOpenValue, MAX_UNDECLARED_PER_REQUEST } from '../schema/open-extensions.js';

/**
 * Checks a resource a client sent (POST, PUT, or the result of a PATCH) against its resource type
 * and turns it into the canonical document the service stores (docs/architecture.md, "Documents
 * and their searchable shadow").
 *
 * Strict on purpose: values must already have their declared type (RFC 7643 §2.3); tolerating a
 * provider's "True" for true is a separate, named normalization step that runs before this one.
 *
 * Every write reaches the database through here (POST, PUT, the result of a PATCH, and Bulk,
 * which runs the same use cases), so this is where the length limits of schema/limits.ts hold:
 * a value PostgreSQL could not index, or a resource PATCH keeps growing, is a 400, not a 500.
 */

export interface ValidatedResource {
  /** Canonical document to store: `schemas` (core URN first, then the extension URNs present), then core attributes under their schema spelling (e.g. "userName" even if the client wrote "USERNAME"), then each extension's attributes in an object under its canonical URN. Never contains id, meta, password or any readOnly attribute/sub-attribute. Unassigned values (null, [], {} with nothing assigned) are omitted (RFC 7643 §2.5). */
  readonly document: JsonObject;
  /** The writeOnly password when the client sent one (the caller hashes it; it is never stored as-is). */
  readonly password: string | undefined;
}

export interface ValidateOptions {
  /** The stored document being replaced (PUT/PATCH): immutable attributes that already have a value must keep it (RFC 7644 §3.5.1), else 400 mutability. */
  readonly existing?: JsonObject;
}

/** A member of a JSON object as the client spelled it; names match case-insensitively (RFC 7643 §2.1). */
interface Member {
  readonly key: string;
  readonly value: unknown;
}

/** Where the object being validated sits in the resource. */
interface Place {
  /** The resource type's name, for messages ("User"). */
  readonly resource: string;
  /** What precedes a member's name in messages: "", "name.", "emails[1].", "urn:…:User:". */
  readonly path: string;
  /**
   * The stored object at the same place when immutability is enforced here; undefined on create,
   * where nothing is stored yet, and inside multi-valued attributes, whose elements are replaced
   * as a whole (a new member list is not an edit of one member).
   */
  readonly existing: JsonObject | undefined;
}

/**
 * "always" for the resource itself and required extensions; "whenAssigned" for complex values and
 * optional extensions, whose required sub-attributes only matter once the value exists (§2.5).
 */
type RequiredMode = 'always' | 'whenAssigned';

// RFC 7643 §2.3.6: binary is base64 as in RFC 4648 §4 (standard alphabet, padded).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_EXPECTED = 'a base64 string (RFC 7643 §2.3.6, RFC 4648 §4)';
const DATE_TIME = 'an xsd:dateTime such as "2011-05-13T04:42:34Z" (RFC 7643 §2.3.5)';

export function validateResource(
  type: ResourceTypeDefinition,
  input: unknown,
  options: ValidateOptions = {},
): ValidatedResource {
  if (!isJsonObject(input)) {
    throw new ScimError(
      400,
      'invalidSyntax',
      `A ${type.name} resource must be a JSON object; received ${describe(input)}.`,
    );
  }
  const members = membersOf(input, '');
  const listed = readSchemas(type, take(members, 'schemas'));
  const extensionMembers = type.schemaExtensions.map((extension) => ({
    extension,
    member: take(members, extension.schema.id),
  }));

  // RFC 7643 §4.1.1 / §7: the password is writeOnly; the caller hashes it, the document never holds it.
  const passwordDefinition = type.schema.attributes.find((a) => a.name === 'password' && a.mutability === 'writeOnly');
  const password = passwordDefinition === undefined ? undefined : readPassword(take(members, 'password'));

  const core = validateObject(
    [...commonAttributes, ...type.schema.attributes].filter((a) => a !== passwordDefinition),
    members,
    { resource: type.name, path: '', existing: options.existing },
    'always',
  );

  const schemas: string[] = [type.schema.id];
  const extensions: JsonObject = {};
  for (const { extension, member } of extensionMembers) {
    const urn = extension.schema.id;
    const path = `${urn}:`;
    const value = member?.value;
    const object = value === null || value === undefined ? undefined : expectObject(value, urn);
    if (member !== undefined && object !== undefined && !listed.has(urn.toLowerCase())) {
      invalid(`"${member.key}" is present but "schemas" does not list it (RFC 7643 §3).`);
    }
    const stored = options.existing === undefined ? undefined : objectAt(options.existing, urn);
    if (object === undefined && stored === undefined && !extension.required) continue;
    const validated =
      extension.open === true
        ? openObject(extension.schema.attributes, object, path)
        : validateObject(
            extension.schema.attributes,
            object === undefined ? new Map() : membersOf(object, path),
            { resource: type.name, path, existing: stored },
            extension.required ? 'always' : 'whenAssigned',
          );
    // §3: "schemas" names the schemas whose attributes are present, so an extension that ends
    // up with nothing assigned is left out of both.
    if (Object.keys(validated).length > 0 || extension.required) {
      schemas.push(urn);
      extensions[urn] = validated;
    }
  }
  const document = { schemas, ...core, ...extensions };
  checkResourceLength(type, document);
  return { document, password };
}

/**
 * An undeclared extension's object, accepted as sent (unknownExtensions "accept", docs/schemas.md):
 * attributes named as paths can name them, each a single JSON scalar (a list or an object needs a
 * declared schema to say what it holds); null unassigns.
 */
function openObject(
  definitions: readonly AttributeDefinition[],
  object: JsonObject | undefined,
  path: string,
): JsonObject {
  const result: JsonObject = {};
  const entries = Object.entries(object ?? {});
  if (entries.length > MAX_UNDECLARED_PER_REQUEST) {
    invalid(
      `"${path}" holds ${entries.length} attributes, more than the ${MAX_UNDECLARED_PER_REQUEST} an extension this tenant has not declared may; declare the extension (docs/schemas.md).`,
    );
  }
  for (const [sent, value] of entries) {
    if (value === null) continue;
    if (!ATTRIBUTE_NAME.test(sent)) {
      invalid(`"${path}${sent}" is no attribute name a path could name (RFC 7644 §3.10 ATTRNAME).`);
    }
    // Spelled as first seen (the open extension's definition), as declared attributes are. The
    // definition has every attribute the tenant accepted or the request brings (when accepting).
    const key = definitions.find((d) => d.name.toLowerCase() === sent.toLowerCase())?.name;
    if (key === undefined) {
      invalid(
        `"${path}${sent}" is not an attribute of any schema this tenant declared, and the tenant does not accept unknown extensions.`,
      );
    }
    if (!isOpenValue(value)) {
      invalid(
        `"${path}${key}" is an attribute of an extension this tenant has not declared, so it takes a single string, number or boolean; declare the extension (docs/schemas.md) to send ${Array.isArray(value) ? 'a list' : 'an object'}.`,
      );
    }
    if (typeof value === 'string' && value.length > TEXT_MAX_LENGTH) tooLong(`${path}${key}`, value, TEXT_MAX_LENGTH);
    result[key] = value;
  }
  return result;
}

/**
 * RFC 7644 §3.12 invalidValue: a resource over RESOURCE_MAX_LENGTH. POST and PUT bodies cannot
 * reach it (the body limit is the same size), so it refuses the PATCH that would grow one past
 * it. One pass over a document of typically a few hundred characters; the store serializes it
 * again, and a body over the limit never got this far.
 */
function checkResourceLength(type: ResourceTypeDefinition, document: JsonObject): void {
  const length = JSON.stringify(document).length;
  if (length > RESOURCE_MAX_LENGTH) {
    invalid(
      `The ${type.name} would be ${length} characters long as JSON, more than the ${RESOURCE_MAX_LENGTH} this service stores for one resource; remove or shorten values.`,
    );
  }
}

/** RFC 7643 §3: "schemas" is REQUIRED and may only name the type's core schema and extensions. */
function readSchemas(type: ResourceTypeDefinition, member: Member | undefined): ReadonlySet<string> {
  const core = type.schema.id;
  const value = member?.value;
  if (!isArray(value)) {
    invalid(
      `"schemas" is required: expected an array of schema URIs including "${core}" (RFC 7643 §3); received ${describe(value)}.`,
    );
  }
  const known = [type.schema, ...type.schemaExtensions.map((e) => e.schema)].map((s) => s.id);
  const listed = new Set<string>();
  value.forEach((urn, index) => {
    if (typeof urn !== 'string') invalid(`"schemas[${index}]" must be a schema URI string; received ${describe(urn)}.`);
    if (!known.some((id) => id.toLowerCase() === urn.toLowerCase())) {
      invalid(
        `"schemas[${index}]": "${urn}" is not a schema of ${type.name} resources; expected one of ${quoteAll(known)}.`,
      );
    }
    listed.add(urn.toLowerCase());
  });
  if (!listed.has(core.toLowerCase())) {
    invalid(`"schemas" must include the core schema "${core}" (RFC 7643 §3); received ${JSON.stringify(value)}.`);
  }
  for (const extension of type.schemaExtensions) {
    if (extension.required && !listed.has(extension.schema.id.toLowerCase())) {
      invalid(`"schemas" must include the required extension "${extension.schema.id}" (RFC 7643 §6).`);
    }
  }
  return listed;
}

/** The value is never echoed: it is a credential, and error details end up in logs. */
function readPassword(member: Member | undefined): string | undefined {
  const value = member?.value;
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') invalid(`"password" must be a string; received ${kindOf(value)}.`);
  if (value.length > TEXT_MAX_LENGTH) tooLong('password', value, TEXT_MAX_LENGTH);
  return value;
}

function validateObject(
  definitions: readonly AttributeDefinition[],
  members: ReadonlyMap<string, Member>,
  place: Place,
  requiredMode: RequiredMode,
): JsonObject {
  for (const [name, member] of members) {
    if (!definitions.some((d) => d.name.toLowerCase() === name)) {
      invalid(`"${place.path}${member.key}" is not an attribute of ${place.resource} resources.`);
    }
  }
  const result: JsonObject = {};
  const missing: { readonly path: string; readonly member: Member | undefined }[] = [];
  for (const definition of definitions) {
    // RFC 7643 §7 / RFC 7644 §3.5.1: readOnly values a client sends "SHALL be ignored", unchecked,
    // so a client may send back what it read (meta, groups, manager.displayName).
    if (definition.mutability === 'readOnly') continue;
    const member = members.get(definition.name.toLowerCase());
    const path = place.path + definition.name;
    const stored = place.existing === undefined ? undefined : assigned(valueAt(place.existing, definition.name));
    let value = validateAttribute(definition, member?.value, path, place.resource, stored);
    if (definition.mutability === 'immutable' && place.existing !== undefined) {
      value = keepImmutable(definition, stored, value, path);
    }
    // "Each User MUST include a non-empty userName value" (§4.1.1): an empty string fulfils no requirement.
    if (definition.required && (value === undefined || value === '')) missing.push({ path, member });
    if (value !== undefined) result[definition.name] = value;
  }
  const first = missing[0];
  if (first !== undefined && (requiredMode === 'always' || Object.keys(result).length > 0)) {
    invalid(`"${first.path}" is required (RFC 7643 §7): expected a value, received ${describe(first.member?.value)}.`);
  }
  return result;
}

function validateAttribute(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  resource: string,
  stored: JsonValue | undefined,
): JsonValue | undefined {
  if (value === null || value === undefined) {
    // Clearing a complex value still clears its immutable sub-attributes: check them.
    if (definition.type === 'complex' && !definition.multiValued && isJsonObject(stored)) {
      validateObject(
        definition.subAttributes ?? [],
        new Map(),
        { resource, path: `${path}.`, existing: stored },
        'whenAssigned',
      );
    }
    return undefined;
  }
  if (!definition.multiValued) return validateSingle(definition, value, path, resource, stored);
  if (!isArray(value)) invalid(`"${path}" is multi-valued: expected an array, received ${describe(value)}.`);
  const kept: { readonly index: number; readonly value: JsonValue }[] = [];
  value.forEach((element, index) => {
    if (element === null || element === undefined) return;
    const validated = validateSingle(definition, element, `${path}[${index}]`, resource, undefined);
    if (validated !== undefined) kept.push({ index, value: validated });
  });
  checkSinglePrimary(definition, kept, path);
  return kept.length === 0 ? undefined : kept.map((k) => k.value);
}

function validateSingle(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  resource: string,
  stored: JsonValue | undefined,
): JsonValue | undefined {
  const mismatch = (expected: string): never => invalid(`"${path}" must be ${expected}; received ${describe(value)}.`);
  switch (definition.type) {
    case 'string':
    case 'reference':
      if (typeof value !== 'string') return mismatch('a string');
      checkLength(definition, value, path);
      if (!isStorableText(value))
        return invalid(`"${path}" contains a NUL or an unpaired surrogate, which cannot be stored.`);
      return canonicalize(definition, value, path);
    case 'binary':
      if (typeof value !== 'string') return mismatch(BASE64_EXPECTED);
      checkLength(definition, value, path);
      return BASE64.test(value) ? value : mismatch(BASE64_EXPECTED);
    case 'boolean':
      return typeof value === 'boolean' ? value : mismatch('a boolean (true or false)');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : mismatch('an integer');
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : mismatch('a number');
    case 'dateTime':
      if (typeof value !== 'string') return mismatch(DATE_TIME);
      // xsd:dateTime puts no bound on the digits of a year or a fraction.
      checkLength(definition, value, path);
      return normalizeDateTime(value) === undefined ? mismatch(DATE_TIME) : value;
    case 'complex': {
      const object = isJsonObject(value) ? value : mismatch('an object of sub-attributes');
      const result = validateObject(
        definition.subAttributes ?? [],
        membersOf(object, `${path}.`),
        { resource, path: `${path}.`, existing: isJsonObject(stored) ? stored : undefined },
        'whenAssigned',
      );
      return Object.keys(result).length === 0 ? undefined : result;
    }
  }
}

/** The limit of schema/limits.ts, checked before anything else reads the whole value. */
function checkLength(definition: AttributeDefinition, value: string, path: string): void {
  const max = maxLengthOf(definition);
  if (max !== undefined && value.length > max) tooLong(path, value, max);
}

/** The value is not echoed: a megabyte of it would only bury the message (and fill logs). */
function tooLong(path: string, value: string, max: number): never {
  return invalid(
    `"${path}" is ${value.length} characters long; this service accepts at most ${max} (UTF-16 code units), as /Schemas states in its description.`,
  );
}

/** canonicalValues (RFC 7643 §7) are matched case-insensitively and stored in their own spelling. */
function canonicalize(definition: AttributeDefinition, text: string, path: string): string {
  const allowed = definition.canonicalValues;
  if (allowed === undefined || allowed.length === 0) return text;
  const match = allowed.find((c) => c.toLowerCase() === text.toLowerCase());
  if (match === undefined) invalid(`"${path}" must be one of ${quoteAll(allowed)}; received ${describe(text)}.`);
  return match;
}

/** RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once." */
function checkSinglePrimary(
  definition: AttributeDefinition,
  elements: readonly { readonly index: number; readonly value: JsonValue }[],
  path: string,
): void {
  const primary = definition.subAttributes?.find((s) => s.name === 'primary' && s.type === 'boolean');
  if (primary === undefined) return;
  const primaries = elements.filter((e) => isJsonObject(e.value) && e.value[primary.name] === true);
  const [first, second] = primaries;
  if (first !== undefined && second !== undefined) {
    invalid(
      `"${path}[${second.index}].primary": expected at most one value with primary true (RFC 7643 §2.4), received another after ${path}[${first.index}].`,
    );
  }
}

/**
 * RFC 7644 §3.5.1: once an immutable attribute has a value, "the input value(s) MUST match" it,
 * else 400 mutability. Leaving it out would clear it, which is a change too. A match under the
 * attribute's comparison rules keeps the stored spelling, since the value may not change.
 */
function keepImmutable(
  definition: AttributeDefinition,
  stored: JsonValue | undefined,
  value: JsonValue | undefined,
  path: string,
): JsonValue | undefined {
  if (stored === undefined) return value;
  if (value !== undefined && sameValue(definition, stored, value)) return stored;
  throw new ScimError(
    400,
    'mutability',
    `"${path}" is immutable and already has a value (RFC 7644 §3.5.1): expected ${describe(stored)}, received ${describe(value)}.`,
  );
}

/** Equality as a filter's "eq" sees it: caseExact decides case, dateTimes compare as instants. */
function sameValue(definition: AttributeDefinition, a: JsonValue, b: JsonValue): boolean {
  if (!definition.multiValued) return sameSingle(definition, a, b);
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  // Multi-valued attributes are unordered (RFC 7643 §2.4).
  return (
    a.every((x) => b.some((y) => sameSingle(definition, x, y))) &&
    b.every((y) => a.some((x) => sameSingle(definition, x, y)))
  );
}

function sameSingle(definition: AttributeDefinition, a: JsonValue, b: JsonValue): boolean {
  if (definition.type === 'complex') {
    if (!isJsonObject(a) || !isJsonObject(b)) return false;
    return (definition.subAttributes ?? []).every((sub) => {
      const x = assigned(valueAt(a, sub.name));
      const y = assigned(valueAt(b, sub.name));
      return x === undefined || y === undefined ? x === y : sameValue(sub, x, y);
    });
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (definition.type === 'dateTime') {
      const x = normalizeDateTime(a);
      if (x !== undefined && x === normalizeDateTime(b)) return true;
    }
    return definition.caseExact ? a === b : a.toLowerCase() === b.toLowerCase();
  }
  return a === b;
}

/** The members of an object by lowercased name; two spellings of one name are ambiguous. */
function membersOf(object: JsonObject, path: string): Map<string, Member> {
  const members = new Map<string, Member>();
  for (const [key, value] of Object.entries(object)) {
    const twin = members.get(key.toLowerCase());
    if (twin !== undefined) {
      invalid(
        `"${path}${key}" is given twice, as "${twin.key}" and "${key}"; attribute names are case-insensitive (RFC 7643 §2.1).`,
      );
    }
    members.set(key.toLowerCase(), { key, value });
  }
  return members;
}

function take(members: Map<string, Member>, name: string): Member | undefined {
  const member = members.get(name.toLowerCase());
  members.delete(name.toLowerCase());
  return member;
}

function valueAt(object: JsonObject, name: string): JsonValue | undefined {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

function objectAt(object: JsonObject, name: string): JsonObject | undefined {
  const value = assigned(valueAt(object, name));
  return isJsonObject(value) ? value : undefined;
}

/** RFC 7643 §2.5: null, an empty array and an object with nothing in it all mean "unassigned". */
function assigned(value: JsonValue | undefined): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  if (isJsonObject(value)) return Object.keys(value).length === 0 ? undefined : value;
  return value;
}

function expectObject(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value))
    invalid(`"${path}" must be an object of the extension's attributes; received ${describe(value)}.`);
  return value;
}

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function invalid(detail: string): never {
  throw new ScimError(400, 'invalidValue', detail);
}

function quoteAll(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** What the client sent, for messages: scalars with their value, containers by kind. */
function describe(value: unknown): string {
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  return kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty object' : 'an object';
  return `a ${typeof value}`;
}
