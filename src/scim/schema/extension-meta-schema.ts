import { Ajv, type ErrorObject } from 'ajv';
import { isJsonObject } from '../resource/json.js';
import type { AttributeType, Mutability, Returned, Uniqueness } from './types.js';

/**
 * The shape of a tenant's schema extension definition: the RFC 7643 §7 schema representation
 * (id, name, description, attributes) plus the resource type it extends. This file checks only
 * what JSON Schema can say about one member at a time; rules that relate members to each other
 * or to the request (case-insensitive name clashes, type-dependent characteristics, the URN)
 * are in extension-definition.ts, where their messages can give the RFC's reason.
 */

/** RFC 7643 §2.3: the data types; §7 "type". */
const ATTRIBUTE_TYPES = [
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'reference',
  'complex',
  'binary',
] as const satisfies readonly AttributeType[];
const MUTABILITIES = ['readOnly', 'readWrite', 'immutable', 'writeOnly'] as const satisfies readonly Mutability[];
const RETURNED = ['always', 'never', 'default', 'request'] as const satisfies readonly Returned[];
// All three are well-formed (RFC 7643 §7); which of them this service accepts is decided with a
// message of its own in extension-definition.ts.
const UNIQUENESS = ['none', 'server', 'global'] as const satisfies readonly Uniqueness[];

/** RFC 7643 §2.3: the types listed, for messages and for reading a type that may be misspelled. */
export function isAttributeType(value: unknown): value is AttributeType {
  return ATTRIBUTE_TYPES.some((type) => type === value);
}

/**
 * Bounds of this service, not of the RFC: a definition is read on every request of its tenant,
 * so it stays small. Real extensions (Entra, Okta) have a handful of attributes.
 */
const MAX_ATTRIBUTES = 200;
const MAX_SUB_ATTRIBUTES = 50;
const MAX_CANONICAL_VALUES = 100;
const MAX_CANONICAL_VALUE_LENGTH = 256;
const MAX_NAME_LENGTH = 64;
const MAX_SCHEMA_NAME_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 1024;

/** ATTRNAME = ALPHA *(nameChar); nameChar = "-" / "_" / DIGIT / ALPHA (RFC 7644 §3.10). */
const ATTRNAME = '^[A-Za-z][A-Za-z0-9_-]*$';
/**
 * Sub-attributes may also be "$ref", the one name outside ATTRNAME (RFC 7643 §2.3.7, §2.4), which
 * attribute paths accept too (filter/lexer.ts isSubAttributeName).
 */
const SUB_ATTRNAME = '^(?:[A-Za-z][A-Za-z0-9_-]*|\\$ref)$';

/** The body once its shape is known good: characteristics left out take RFC 7643 §2.2 defaults. */
export interface AttributeBody {
  readonly name: string;
  readonly type?: AttributeType;
  readonly multiValued?: boolean;
  readonly description?: string;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: Mutability;
  readonly returned?: Returned;
  readonly uniqueness?: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeBody[];
}

interface ExtensionBody {
  readonly id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly resourceType: string;
  readonly attributes: readonly AttributeBody[];
}

/** The RFC 7643 §7 characteristics shared by attributes and sub-attributes. */
const characteristics = {
  type: { enum: ATTRIBUTE_TYPES },
  multiValued: { type: 'boolean' },
  description: { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH },
  required: { type: 'boolean' },
  caseExact: { type: 'boolean' },
  mutability: { enum: MUTABILITIES },
  returned: { enum: RETURNED },
  uniqueness: { enum: UNIQUENESS },
  canonicalValues: {
    type: 'array',
    maxItems: MAX_CANONICAL_VALUES,
    items: { type: 'string', minLength: 1, maxLength: MAX_CANONICAL_VALUE_LENGTH },
  },
  referenceTypes: { type: 'array', items: { type: 'string' } },
};

/**
 * RFC 7643 §2.3.8: a sub-attribute has no sub-attributes, so the schema stops at two levels
 * (and a deeply nested body cannot make validation recurse).
 */
const subAttributeSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: MAX_NAME_LENGTH, pattern: SUB_ATTRNAME },
    ...characteristics,
  },
};

const attributeSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: MAX_NAME_LENGTH, pattern: ATTRNAME },
    ...characteristics,
    subAttributes: { type: 'array', maxItems: MAX_SUB_ATTRIBUTES, items: subAttributeSchema },
  },
};

const extensionMetaSchema = {
  type: 'object',
  required: ['resourceType', 'attributes'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string', minLength: 1, maxLength: MAX_SCHEMA_NAME_LENGTH },
    description: { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH },
    resourceType: { type: 'string' },
    attributes: { type: 'array', minItems: 1, maxItems: MAX_ATTRIBUTES, items: attributeSchema },
    // What GET /Schemas returns besides the §7 members, so that it can be sent back: ignored.
    schemas: {},
    meta: {},
  },
};

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile<ExtensionBody>(extensionMetaSchema);

type ShapeCheck =
  { readonly ok: true; readonly body: ExtensionBody } | { readonly ok: false; readonly problems: readonly string[] };

/** Checks the body's shape against the meta-schema; every problem is described. */
export function checkShape(body: unknown): ShapeCheck {
  if (validate(body)) return { ok: true, body };
  return { ok: false, problems: (validate.errors ?? []).map((error) => describe(error, body)) };
}

type Step = string | number;

/** A JSON pointer (ajv's instancePath) as steps; array indexes become numbers. */
function steps(pointer: string): Step[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((step) => (/^\d+$/.test(step) ? Number(step) : step.replaceAll('~1', '/').replaceAll('~0', '~')));
}

function child(node: unknown, step: Step): unknown {
  if (typeof step === 'number') return Array.isArray(node) ? (node[step] as unknown) : undefined;
  return isJsonObject(node) ? node[step] : undefined;
}

/** A value from the request, quoted for a message and cut short: the body may be large. */
export function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/**
 * Where in the body a problem is, e.g. `attributes[2] (costCenter).type` or
 * `attributes[0].subAttributes[1] (code)`: indexes locate it exactly, and the name of the
 * innermost named attribute lets the reader find it without counting.
 */
export function where(path: readonly (string | number)[], body: unknown): string {
  let label = '';
  let named: { readonly end: number; readonly name: string } | undefined;
  let node: unknown = body;
  let parent: Step | undefined;
  for (const step of path) {
    node = child(node, step);
    if (typeof step === 'number') {
      label += `[${step}]`;
      const name = isJsonObject(node) ? node.name : undefined;
      if ((parent === 'attributes' || parent === 'subAttributes') && typeof name === 'string' && name !== '') {
        named = {
          end: label.length,
          name: name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name,
        };
      }
    } else {
      label += label === '' ? step : `.${step}`;
    }
    parent = step;
  }
  if (named !== undefined) label = `${label.slice(0, named.end)} (${named.name})${label.slice(named.end)}`;
  return label === '' ? 'body' : label;
}

const KNOWN_MEMBERS: Readonly<Record<'schema' | 'attribute' | 'subAttribute', readonly string[]>> = {
  schema: Object.keys(extensionMetaSchema.properties),
  attribute: Object.keys(attributeSchema.properties),
  subAttribute: Object.keys(subAttributeSchema.properties),
};

function unknownMember(path: readonly Step[], member: string, body: unknown): string {
  const level = path.length === 0 ? 'schema' : path.includes('subAttributes') ? 'subAttribute' : 'attribute';
  const at = where([...path, member], body);
  if (level === 'subAttribute' && member === 'subAttributes') {
    return `${at}: a sub-attribute cannot have sub-attributes of its own (RFC 7643 §2.3.8)`;
  }
  const near = KNOWN_MEMBERS[level].find((known) => known.toLowerCase() === member.toLowerCase());
  const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
  return level === 'schema'
    ? `${at}: is not a member of a schema representation (RFC 7643 §7)${hint}`
    : `${at}: is not an attribute characteristic (RFC 7643 §7)${hint}`;
}

const A_TYPE: Readonly<Record<string, string>> = {
  object: 'a JSON object',
  array: 'an array',
  string: 'a string',
  boolean: 'true or false',
};

function describe(error: ErrorObject, body: unknown): string {
  const path = steps(error.instancePath);
  const at = where(path, body);
  const last = path[path.length - 1];
  switch (error.keyword) {
    case 'required':
      return `${where([...path, String(error.params['missingProperty'])], body)}: is required`;
    case 'additionalProperties':
      return unknownMember(path, String(error.params['additionalProperty']), body);
    case 'type':
      return `${at}: must be ${A_TYPE[String(error.params['type'])] ?? String(error.params['type'])}`;
    case 'enum': {
      const allowed = (error.params['allowedValues'] as readonly unknown[]).map(String).join(', ');
      return `${at}: must be one of ${allowed} (got ${quote(path.reduce<unknown>(child, body))})`;
    }
    case 'pattern':
      return last === 'name' && path.includes('subAttributes')
        ? `${at}: must start with a letter and contain only letters, digits, "-" and "_" (ATTRNAME, RFC 7644 §3.10), or be "$ref" (RFC 7643 §2.3.7)`
        : `${at}: must start with a letter and contain only letters, digits, "-" and "_" (ATTRNAME, RFC 7644 §3.10)`;
    case 'minLength':
      return `${at}: must not be empty`;
    case 'maxLength':
      return `${at}: must be at most ${String(error.params['limit'])} characters long`;
    case 'minItems':
      return last === 'attributes'
        ? `${at}: must list at least one attribute`
        : `${at}: must have at least ${String(error.params['limit'])} entries`;
    case 'maxItems':
      return `${at}: this service accepts at most ${String(error.params['limit'])} entries`;
    default:
      return `${at}: ${error.message ?? 'is invalid'}`;
  }
}
