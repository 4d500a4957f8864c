import { commonAttributes } from '../schema/common-attributes.js';
import { maxLengthNote, maxLengthOf, RESOURCE_MAX_LENGTH } from '../schema/limits.js';
import type { AttributeDefinition, SchemaDefinition } from '../schema/types.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';

export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

export type AttributeResource = Omit<AttributeDefinition, 'subAttributes' | 'maxLength'> & {
  subAttributes?: AttributeResource[];
};

/**
 * RFC 7643 §7 has no characteristic for a value's length, so the limit is told where a client
 * (or the person configuring one) reads about the attribute: at the end of its description.
 */
function withNote(description: string, note: string | undefined): string {
  return note === undefined ? description : `${description} ${note}`;
}

/**
 * What each schema's description ends with: the resource limit, and the limits of the common
 * attributes (RFC 7643 §3.1), which belong to no schema and so have no description here.
 */
const SCHEMA_LIMITS_NOTE = `${[
  `Limits of this service: a resource of at most ${RESOURCE_MAX_LENGTH} characters as JSON, all its schemas together`,
  ...commonAttributes.flatMap((a) =>
    maxLengthNote(a) === undefined ? [] : [`${a.name} (RFC 7643 §3.1) at most ${maxLengthOf(a) ?? 0} characters`],
  ),
].join('; ')}.`;

// Keys in the order RFC 7643 §8.7.1 prints them, so responses read like the RFC; maxLength is
// no §7 characteristic and is not listed as one. /Schemas adds this service's length limits to
// the descriptions (`withLimits`); a tenant's extension definition is returned as it was written.
export function attributeResource(a: AttributeDefinition, withLimits = true): AttributeResource {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: withLimits ? withNote(a.description, maxLengthNote(a)) : a.description,
    required: a.required,
    caseExact: a.caseExact,
    ...(a.canonicalValues === undefined ? {} : { canonicalValues: a.canonicalValues }),
    ...(a.subAttributes === undefined
      ? {}
      : { subAttributes: a.subAttributes.map((sub) => attributeResource(sub, withLimits)) }),
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.referenceTypes === undefined ? {} : { referenceTypes: a.referenceTypes }),
  };
}

/** RFC 7643 §7: a schema as the /Schemas endpoint returns it. */
export function schemaResource(schema: SchemaDefinition, baseUrl: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: withNote(schema.description, SCHEMA_LIMITS_NOTE),
    attributes: schema.attributes.map((a) => attributeResource(a)),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** RFC 7643 §6: a resource type as the /ResourceTypes endpoint returns it. */
export function resourceTypeResource(type: ResourceTypeDefinition, baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    // Undeclared (open) extensions are accepted, but no schema defines them to advertise.
    schemaExtensions: type.schemaExtensions
      .filter((e) => e.open !== true)
      .map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  };
}
