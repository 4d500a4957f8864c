import { ScimError } from '../errors.js';
import type { AttributePath } from '../filter/ast.js';
import { commonAttributes } from './common-attributes.js';
import type { ResourceTypeDefinition } from './registry.js';
import type { AttributeDefinition, SchemaDefinition } from './types.js';

/** An attribute path checked against a resource type's schemas, with canonical spellings. */
export interface ResolvedPath {
  /** The schema that defines the attribute; undefined for the common attributes (id, externalId, meta). */
  readonly schema: SchemaDefinition | undefined;
  /** True when the attribute belongs to a schema extension (stored under its URN). */
  readonly extension: boolean;
  readonly attribute: AttributeDefinition;
  readonly subAttribute: AttributeDefinition | undefined;
}

export type PathErrorType = 'invalidFilter' | 'invalidPath' | 'invalidValue';

const byName = (list: readonly AttributeDefinition[] | undefined, name: string) =>
  list?.find((a) => a.name.toLowerCase() === name.toLowerCase());

/**
 * Resolves `[URN:]attr[.sub]` against a resource type (RFC 7644 §3.10). Names compare
 * case-insensitively (RFC 7643 §2.1). Without a URN, a name is looked up among the common
 * attributes and the core schema; extension attributes need their URN.
 */
export function resolvePath(type: ResourceTypeDefinition, path: AttributePath, errorType: PathErrorType): ResolvedPath {
  const fail = (detail: string): never => {
    throw new ScimError(400, errorType, detail);
  };
  const written = `${path.schema === undefined ? '' : `${path.schema}:`}${path.attribute}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`;
  let schema: SchemaDefinition | undefined = type.schema;
  if (path.schema !== undefined) {
    const wanted = path.schema.toLowerCase();
    schema = [type.schema, ...type.schemaExtensions.map((e) => e.schema)].find((s) => s.id.toLowerCase() === wanted);
    if (schema === undefined) return fail(`"${path.schema}" is not a schema of ${type.name} resources.`);
  }
  let attribute = byName(schema.attributes, path.attribute);
  if (attribute === undefined && schema === type.schema) {
    // id, externalId and meta belong to no schema but may be written with the core URN.
    attribute = byName(commonAttributes, path.attribute);
    if (attribute !== undefined) schema = undefined;
  }
  if (attribute === undefined) return fail(`"${written}" is not an attribute of ${type.name} resources.`);
  let subAttribute: AttributeDefinition | undefined;
  if (path.subAttribute !== undefined) {
    if (attribute.type !== 'complex') fail(`"${written}": ${attribute.name} has no sub-attributes.`);
    subAttribute = byName(attribute.subAttributes, path.subAttribute);
    if (subAttribute === undefined)
      fail(`"${written}": ${attribute.name} has no sub-attribute "${path.subAttribute}".`);
  }
  return { schema, extension: schema !== undefined && schema !== type.schema, attribute, subAttribute };
}

/** The sub-attribute named inside a value filter or after it (`emails[type eq "work"].value`). */
export function resolveSubAttribute(
  parent: AttributeDefinition,
  name: string,
  errorType: PathErrorType,
): AttributeDefinition {
  const sub = byName(parent.subAttributes, name);
  if (sub === undefined) throw new ScimError(400, errorType, `${parent.name} has no sub-attribute "${name}".`);
  return sub;
}
