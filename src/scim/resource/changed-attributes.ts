import { commonAttributes } from '../schema/common-attributes.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** Structural equality of JSON values; key order does not matter, array order does. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

/**
 * The attributes whose value differs between two canonical documents, in schema order: core and
 * common ones by name, extension ones as "<urn>:<attr>". PATCH results and change events
 * (changedAttributes) name them so.
 */
export function changedAttributes(type: ResourceTypeDefinition, before: JsonObject, after: JsonObject): string[] {
  const changed = [...commonAttributes, ...type.schema.attributes]
    .filter((attribute) => !jsonEqual(before[attribute.name], after[attribute.name]))
    .map((attribute) => attribute.name);
  for (const { schema } of type.schemaExtensions) {
    const old = before[schema.id];
    const current = after[schema.id];
    for (const attribute of schema.attributes) {
      const a = isJsonObject(old) ? old[attribute.name] : undefined;
      const b = isJsonObject(current) ? current[attribute.name] : undefined;
      if (!jsonEqual(a, b)) changed.push(`${schema.id}:${attribute.name}`);
    }
  }
  return changed;
}
