import { attributeResource, SCHEMA_SCHEMA, type AttributeResource } from '../discovery/resources.js';
import { ScimError } from '../errors.js';
import { isJsonObject, type JsonObject } from '../resource/json.js';
import { defaultRegistry } from './built-in-types.js';
import { checkShape, isAttributeType, quote, where, type AttributeBody } from './extension-meta-schema.js';
import type { AttributeDefinition, AttributeType, SchemaDefinition } from './types.js';

/**
 * A tenant's own schema extension (RFC 7643 §3.3), registered through the admin API as an
 * RFC 7643 §7 schema representation plus the resource type it extends: parsed here into the
 * SchemaDefinition that validation, filtering, projection and /Schemas read, and rendered back.
 */

/**
 * "urn:" NID ":" NSS (RFC 8141), with the NSS limited to ":"-separated segments of the characters
 * an attribute path's URI prefix may hold (filter/lexer.ts), so that every attribute of the
 * extension can be named in a filter or a PATCH path as "<urn>:<attr>" (RFC 7644 §3.10).
 */
const URN = /^urn:[a-z0-9][a-z0-9-]{0,31}(?::[a-z0-9._~+-]+)+$/i;
/**
 * A bound of this service: the URN prefixes every attribute path and keys the tenant's stored
 * definitions; real ones are far shorter (Entra's documented one is 67 characters). It also keeps the
 * default name, the last segment, within the meta-schema's 256 characters for a name.
 */
const URN_MAX_LENGTH = 256;

/** Namespaces for the schemas and messages of RFC 7643 and RFC 7644 themselves. */
const RESERVED_NAMESPACES = ['urn:ietf:params:scim:schemas:core:2.0:', 'urn:ietf:params:scim:api:messages:2.0:'];

/**
 * The common attributes every resource has (RFC 7643 §3.1) and "schemas" (§3): an extension
 * attribute of the same name would read as the resource's own to anyone mapping attributes.
 */
const RESERVED_NAMES = new Set(['id', 'externalid', 'meta', 'schemas']);

/** RFC 7643 §2.3.7: besides resource type names, a reference may be "external" or a "uri". */
const REFERENCE_KINDS = ['external', 'uri'];

type Level = 'attribute' | 'subAttribute';

export interface ParsedExtension {
  readonly resourceType: string;
  readonly schema: SchemaDefinition;
}

/**
 * Parses the body of `PUT /admin/v1/tenants/{id}/schemas/{urn}`. Every problem is collected and
 * thrown as one 400 invalidValue (RFC 7644 §3.12), each naming where it is and why, separated by
 * "; " (no message of ours contains one).
 */
export function parseExtensionDefinition(
  urn: string,
  body: unknown,
  resourceTypes: readonly string[],
): ParsedExtension {
  const problems = urnProblems(urn);
  const shape = checkShape(body);
  if (!shape.ok) problems.push(...shape.problems);
  problems.push(...meaningProblems(urn, body, resourceTypes));
  if (!shape.ok || problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new ScimError(400, 'invalidValue', `Invalid schema extension definition (${count}): ${problems.join('; ')}.`);
  }
  const { body: valid } = shape;
  const resourceType = canonical(valid.resourceType, resourceTypes) ?? valid.resourceType;
  const referenceable = [...resourceTypes, ...REFERENCE_KINDS];
  return {
    resourceType,
    schema: {
      // The URN as the request path spells it: the body's id may differ in case only.
      id: urn,
      name: valid.name ?? urn.slice(urn.lastIndexOf(':') + 1),
      description: valid.description ?? '',
      attributes: valid.attributes.map((attribute) => definition(attribute, referenceable)),
    },
  };
}

function canonical(value: string, list: readonly string[]): string | undefined {
  return list.find((entry) => entry.toLowerCase() === value.toLowerCase());
}

/** Whether a tenant could declare an extension at this URN (the grammar, not built in, not reserved). */
export function isDeclarableUrn(urn: string): boolean {
  return urnProblems(urn).length === 0;
}

function urnProblems(urn: string): string[] {
  const at = `URN ${quote(urn)}`;
  if (urn.length > URN_MAX_LENGTH) return [`${at}: must be at most ${URN_MAX_LENGTH} characters long`];
  if (!URN.test(urn)) {
    return [
      `${at}: must be a URN, "urn:" then a namespace identifier and ":"-separated segments of letters, digits and "._~+-" (RFC 8141, RFC 7644 §3.10)`,
    ];
  }
  const lower = urn.toLowerCase();
  // Looked up at call time: the registry may one day be built from extensions parsed here.
  if (defaultRegistry.schemas.some((schema) => schema.id.toLowerCase() === lower)) {
    return [`${at}: is a schema this service defines, and an extension needs a URN of its own`];
  }
  const reserved = RESERVED_NAMESPACES.find((namespace) => lower.startsWith(namespace));
  if (reserved !== undefined) {
    return [`${at}: "${reserved}" is reserved for the schemas and messages of RFC 7643 and RFC 7644`];
  }
  return [];
}

/** What the meta-schema cannot say: read from the raw body, so that shape problems do not hide these. */
function meaningProblems(urn: string, body: unknown, resourceTypes: readonly string[]): string[] {
  if (!isJsonObject(body)) return [];
  const problems: string[] = [];
  const { id, resourceType, attributes } = body;
  if (typeof id === 'string' && id.toLowerCase() !== urn.toLowerCase()) {
    problems.push(`id: ${quote(id)} must be the URN the definition is put at, ${quote(urn)} (RFC 7643 §7)`);
  }
  if (typeof resourceType === 'string' && canonical(resourceType, resourceTypes) === undefined) {
    problems.push(`resourceType: must be one of ${resourceTypes.join(', ')} (got ${quote(resourceType)})`);
  }
  const context: Context = { body, problems, referenceable: [...resourceTypes, ...REFERENCE_KINDS] };
  if (Array.isArray(attributes)) checkAttributes(attributes, ['attributes'], 'attribute', context);
  return problems;
}

interface Context {
  readonly body: JsonObject;
  readonly problems: string[];
  readonly referenceable: readonly string[];
}

type Path = readonly (string | number)[];

function checkAttributes(list: readonly unknown[], path: Path, level: Level, context: Context): void {
  const firstByName = new Map<string, number>();
  list.forEach((item, index) => {
    if (!isJsonObject(item)) return;
    const at = [...path, index];
    const { name } = item;
    if (typeof name === 'string') {
      const key = name.toLowerCase();
      const first = firstByName.get(key);
      if (first === undefined) firstByName.set(key, index);
      else {
        context.problems.push(
          `${where([...at, 'name'], context.body)}: repeats the name of ${where([...path, first], context.body)}: attribute names are case-insensitive (RFC 7643 §2.1)`,
        );
      }
      if (level === 'attribute' && RESERVED_NAMES.has(key)) {
        context.problems.push(
          `${where([...at, 'name'], context.body)}: "${name}" is reserved: id, externalId, meta and schemas are attributes of every resource (RFC 7643 §3, §3.1)`,
        );
      }
    }
    checkCharacteristics(item, at, level, context);
  });
}

/** Rules that tie one characteristic to another (RFC 7643 §2.3.7, §2.3.8, §7). */
function checkCharacteristics(attribute: JsonObject, at: Path, level: Level, context: Context): void {
  const here = (member: string) => where([...at, member], context.body);
  const problem = (member: string, why: string) => context.problems.push(`${here(member)}: ${why}`);
  // A misspelled type is the meta-schema's problem; the rules below need a known one.
  const type: AttributeType | undefined =
    attribute.type === undefined ? 'string' : isAttributeType(attribute.type) ? attribute.type : undefined;
  const { canonicalValues, referenceTypes, subAttributes } = attribute;

  if (level === 'subAttribute' && attribute.name === '$ref' && type !== undefined && type !== 'reference') {
    problem('type', 'a "$ref" sub-attribute holds a reference and must have type "reference" (RFC 7643 §2.3.7)');
  }
  if (attribute.uniqueness === 'server' || attribute.uniqueness === 'global') {
    problem(
      'uniqueness',
      `${quote(attribute.uniqueness)} is not accepted: this service does not enforce uniqueness of extension attributes, so it will not advertise it (use "none", RFC 7643 §7)`,
    );
  }
  // RFC 7643 §7: writeOnly values "SHALL NOT be returned".
  if (attribute.mutability === 'writeOnly' && attribute.returned !== 'never') {
    problem(
      'returned',
      'a writeOnly attribute must have returned "never": its values are never returned (RFC 7643 §7)',
    );
  }

  if (Array.isArray(canonicalValues)) {
    if (type !== undefined && type !== 'string' && canonicalValues.length > 0) {
      problem('canonicalValues', `only string attributes take canonicalValues here, and this one is ${quote(type)}`);
    }
    // validation matches canonical values case-insensitively (resource/validate.ts): a repeat is unreachable.
    repeats(canonicalValues, (index, first) =>
      problem(
        `canonicalValues[${index}]`,
        `repeats canonicalValues[${first}] (canonical values match case-insensitively)`,
      ),
    );
  }

  if (type === 'reference' && !(Array.isArray(referenceTypes) && referenceTypes.length > 0)) {
    problem(
      'referenceTypes',
      `is required for a reference: the resource types it may refer to, from ${context.referenceable.join(', ')} (RFC 7643 §2.3.7, §7)`,
    );
  }
  if (Array.isArray(referenceTypes)) {
    if (type !== undefined && type !== 'reference' && referenceTypes.length > 0) {
      problem(
        'referenceTypes',
        `only reference attributes take referenceTypes (RFC 7643 §7), and this one is ${quote(type)}`,
      );
    } else {
      referenceTypes.forEach((entry, index) => {
        if (typeof entry === 'string' && canonical(entry, context.referenceable) === undefined) {
          problem(
            `referenceTypes[${index}]`,
            `must be one of ${context.referenceable.join(', ')} (got ${quote(entry)}, RFC 7643 §2.3.7)`,
          );
        }
      });
      repeats(referenceTypes, (index, first) =>
        problem(`referenceTypes[${index}]`, `repeats referenceTypes[${first}]`),
      );
    }
  }

  if (level === 'subAttribute') {
    if (type === 'complex') problem('type', 'a sub-attribute cannot itself be complex (RFC 7643 §2.3.8)');
    return;
  }
  const hasSubAttributes = Array.isArray(subAttributes) && subAttributes.length > 0;
  if (type === 'complex' && !hasSubAttributes) {
    problem('subAttributes', 'a complex attribute needs at least one sub-attribute (RFC 7643 §2.3.8, §7)');
  }
  if (type !== undefined && type !== 'complex' && hasSubAttributes) {
    problem(
      'subAttributes',
      `only complex attributes have sub-attributes (RFC 7643 §2.3.8), and this one is ${quote(type)}`,
    );
  } else if (Array.isArray(subAttributes)) {
    checkAttributes(subAttributes, [...at, 'subAttributes'], 'subAttribute', context);
  }
}

/** Calls `report` for each string that repeats an earlier one, compared case-insensitively. */
function repeats(list: readonly unknown[], report: (index: number, first: number) => void): void {
  const firstOf = new Map<string, number>();
  list.forEach((entry, index) => {
    if (typeof entry !== 'string') return;
    const first = firstOf.get(entry.toLowerCase());
    if (first === undefined) firstOf.set(entry.toLowerCase(), index);
    else report(index, first);
  });
}

/**
 * A fully populated definition: RFC 7643 §2.2 defaults for what the body leaves out (type
 * "string", not required, not caseExact, readWrite, returned by default, no uniqueness);
 * multiValued false and an empty description, which §2.2 does not list. Lists that do not apply
 * to the type, or are empty, are left out, as /Schemas shows them.
 */
function definition(body: AttributeBody, referenceable: readonly string[]): AttributeDefinition {
  const type = body.type ?? 'string';
  const { canonicalValues, referenceTypes, subAttributes } = body;
  return {
    name: body.name,
    type,
    multiValued: body.multiValued ?? false,
    description: body.description ?? '',
    required: body.required ?? false,
    caseExact: body.caseExact ?? false,
    mutability: body.mutability ?? 'readWrite',
    returned: body.returned ?? 'default',
    uniqueness: 'none',
    ...(type === 'string' && canonicalValues !== undefined && canonicalValues.length > 0
      ? { canonicalValues: [...canonicalValues] }
      : {}),
    ...(type === 'reference' && referenceTypes !== undefined
      ? { referenceTypes: referenceTypes.map((entry) => canonical(entry, referenceable) ?? entry) }
      : {}),
    ...(type === 'complex' && subAttributes !== undefined
      ? { subAttributes: subAttributes.map((sub) => definition(sub, referenceable)) }
      : {}),
  };
}

export interface ExtensionDefinitionBody {
  readonly schemas: readonly [typeof SCHEMA_SCHEMA];
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly resourceType: string;
  readonly attributes: readonly AttributeResource[];
}

/**
 * What GET returns: the RFC 7643 §7 representation with every characteristic spelled out, in
 * §8.7.1's order, plus the resource type; it can be PUT back unchanged. maxLength is no §7
 * characteristic, and /Schemas' length notes are not added, so descriptions stay as written.
 */
export function extensionDefinitionBody(resourceType: string, schema: SchemaDefinition): ExtensionDefinitionBody {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    resourceType,
    attributes: schema.attributes.map((a) => attributeResource(a, false)),
  };
}
