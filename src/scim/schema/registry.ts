import { enterpriseUserSchema } from './enterprise-user-schema.js';
import { groupSchema } from './group-schema.js';
import type { SchemaDefinition } from './types.js';
import { userSchema } from './user-schema.js';

export interface SchemaExtension {
  readonly schema: SchemaDefinition;
  readonly required: boolean;
}

/** RFC 7643 §6: a resource type names its endpoint, core schema and extensions. */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: SchemaDefinition;
  readonly schemaExtensions: readonly SchemaExtension[];
}

/**
 * The one registry that discovery, validation, filtering and projection all read, so what the
 * service advertises and what it enforces cannot drift apart.
 */
export class SchemaRegistry {
  private readonly byId: ReadonlyMap<string, SchemaDefinition>;
  private readonly typesById: ReadonlyMap<string, ResourceTypeDefinition>;

  constructor(readonly resourceTypes: readonly ResourceTypeDefinition[]) {
    const schemas = new Map<string, SchemaDefinition>();
    for (const type of resourceTypes) {
      for (const schema of [type.schema, ...type.schemaExtensions.map((e) => e.schema)]) {
        schemas.set(schema.id.toLowerCase(), schema);
      }
    }
    this.byId = schemas;
    this.typesById = new Map(resourceTypes.map((t) => [t.id.toLowerCase(), t]));
  }

  get schemas(): SchemaDefinition[] {
    return [...this.byId.values()];
  }

  /** Schema URIs are compared case-insensitively, as attribute names are (RFC 7643 §2.1). */
  schema(id: string): SchemaDefinition | undefined {
    return this.byId.get(id.toLowerCase());
  }

  resourceType(id: string): ResourceTypeDefinition | undefined {
    return this.typesById.get(id.toLowerCase());
  }
}

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  schemaExtensions: [{ schema: enterpriseUserSchema, required: false }],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  schemaExtensions: [],
};

export const defaultRegistry = new SchemaRegistry([USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE]);
