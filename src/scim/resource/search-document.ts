import { commonAttributes } from '../schema/common-attributes.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import type { AttributeDefinition } from '../schema/types.js';
import { openShadow } from '../schema/open-extensions.js';
import { normalizeDateTime } from './date-time.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** A shadowed value and whether it counts as present for `pr` (RFC 7644 §3.4.2.2). */
interface Shadowed {
  readonly value: JsonValue;
  readonly present: boolean;
}

/**
 * The normalized shadow stored beside the document for filtering in SQL (see docs/architecture.md
 * "Documents and their searchable shadow").
 *
 * Names are lowercased because they are case-insensitive (RFC 7643 §2.1), and so are the values of
 * attributes that are not caseExact, so that a case-insensitive "eq" becomes JSONB containment
 * (RFC 7644 §3.4.2.2). Keys no schema defines ("schemas", anything else) are left out: a filter
 * cannot name them (resolvePath rejects them).
 */
export function buildSearchDocument(type: ResourceTypeDefinition, document: JsonObject): JsonObject {
  const present = new Set<string>();
  const shadow: JsonObject = {};
  const core = [...commonAttributes, ...type.schema.attributes];
  for (const [key, value] of Object.entries(document)) {
    const name = key.toLowerCase();
    const extension = type.schemaExtensions.find((e) => e.schema.id.toLowerCase() === name);
    if (extension !== undefined) {
      // Extension attributes are filtered as "<urn>:<attr>", so their presence paths are spelled so.
      if (isJsonObject(value))
        shadow[name] =
          extension.open === true
            ? openShadow(value, `${name}:`, present)
            : shadowMembers(extension.schema.attributes, value, `${name}:`, present).value;
      continue;
    }
    const definition = findByName(core, key);
    if (definition !== undefined) shadow[name] = shadowAttribute(definition, value, name, present).value;
  }
  shadow.$pr = [...present].sort(byCodeUnit);
  return shadow;
}

/** Adds `path` to `present` when the attribute has a non-empty value. */
function shadowAttribute(
  definition: AttributeDefinition,
  value: JsonValue,
  path: string,
  present: Set<string>,
): Shadowed {
  let shadowed: Shadowed;
  if (Array.isArray(value)) {
    // Multi-valued: present when any element is; "emails.value" when any element has a value.
    const elements = value.map((element) => shadowSingle(definition, element, path, present));
    shadowed = { value: elements.map((e) => e.value), present: elements.some((e) => e.present) };
  } else {
    shadowed = shadowSingle(definition, value, path, present);
  }
  if (shadowed.present) present.add(path);
  return shadowed;
}

function shadowSingle(definition: AttributeDefinition, value: JsonValue, path: string, present: Set<string>): Shadowed {
  if (value === null) return { value, present: false };
  if (typeof value === 'string') return { value: shadowString(definition, value), present: value !== '' };
  if (Array.isArray(value)) return { value, present: value.length > 0 };
  // A complex value "contains a non-empty node" (§3.4.2.2) when one of its sub-attributes is present.
  if (isJsonObject(value)) return shadowMembers(definition.subAttributes ?? [], value, `${path}.`, present);
  return { value, present: true };
}

function shadowMembers(
  definitions: readonly AttributeDefinition[],
  object: JsonObject,
  prefix: string,
  present: Set<string>,
): { readonly value: JsonObject; readonly present: boolean } {
  const shadow: JsonObject = {};
  let any = false;
  for (const [key, value] of Object.entries(object)) {
    const definition = findByName(definitions, key);
    if (definition === undefined) continue;
    const name = definition.name.toLowerCase();
    const shadowed = shadowAttribute(definition, value, prefix + name, present);
    shadow[name] = shadowed.value;
    any ||= shadowed.present;
  }
  return { value: shadow, present: any };
}

/**
 * toLowerCase() agrees with Postgres lower() for the common cases, which is what filter values are
 * folded with. dateTimes become UTC with three fraction digits so that they order as text.
 */
function shadowString(definition: AttributeDefinition, text: string): string {
  if (definition.type === 'dateTime') return normalizeDateTime(text) ?? text;
  return definition.caseExact ? text : text.toLowerCase();
}

function findByName(definitions: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  return definitions.find((d) => d.name.toLowerCase() === name.toLowerCase());
}

/** Code-unit order, as JSON text sorts; locale-independent so the shadow is deterministic. */
function byCodeUnit(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
