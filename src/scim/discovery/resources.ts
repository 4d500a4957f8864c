import type { AttributeDefinition, SchemaDefinition } from '../schema/types.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';

export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

type AttributeResource = Omit<AttributeDefinition, 'subAttributes'> & { subAttributes?: AttributeResource[] };

// Keys in the order RFC 7643 §8.7.1 prints them, so responses read like the RFC.
function attributeResource(a: AttributeDefinition): AttributeResource {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    ...(a.canonicalValues === undefined ? {} : { canonicalValues: a.canonicalValues }),
    ...(a.subAttributes === undefined ? {} : { subAttributes: a.subAttributes.map(attributeResource) }),
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
    description: schema.description,
    attributes: schema.attributes.map(attributeResource),
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
    schemaExtensions: type.schemaExtensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  };
}
