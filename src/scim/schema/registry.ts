import type { EventDescriptor, StorageDescriptor } from './storage-descriptor.js';
import type { SchemaDefinition } from './types.js';

export interface SchemaExtension {
  readonly schema: SchemaDefinition;
  readonly required: boolean;
  /** Registered by the tenant (admin API), not built in. */
  readonly custom?: true;
  /**
   * Never declared: a URN a provider sent to a tenant that accepts unknown extensions, its
   * attributes accepted as sent (open-extensions.ts). Not advertised by discovery.
   */
  readonly open?: true;
}

/**
 * RFC 7643 §6: a resource type names its endpoint, core schema and extensions. The storage and
 * event descriptors are ours: they let storage/ and the use cases serve a type without a branch
 * on its name.
 */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  /** "/Users": the path under the tenant's base URL (RFC 7643 §6 "endpoint"). */
  readonly endpoint: string;
  readonly description: string;
  readonly schema: SchemaDefinition;
  readonly schemaExtensions: readonly SchemaExtension[];
  readonly storage: StorageDescriptor;
  readonly events: EventDescriptor;
}

/** A tenant's own extension of a resource type (admin API, docs/schemas.md). */
export interface CustomExtension {
  readonly resourceType: string;
  readonly schema: SchemaDefinition;
}

/**
 * The one registry that routes, Bulk, discovery, validation, filtering, projection and events all
 * read, so what the service advertises and what it enforces cannot drift apart. Each tenant has
 * its own: the built-in types with that tenant's extensions (withExtensions).
 */
export class SchemaRegistry {
  private readonly byId: ReadonlyMap<string, SchemaDefinition>;
  private readonly typesById: ReadonlyMap<string, ResourceTypeDefinition>;
  private readonly typesByEndpoint: ReadonlyMap<string, ResourceTypeDefinition>;

  constructor(readonly resourceTypes: readonly ResourceTypeDefinition[]) {
    const schemas = new Map<string, SchemaDefinition>();
    for (const type of resourceTypes) {
      // Undeclared (open) extensions are no schema anyone defined: /Schemas does not serve them.
      const declared = type.schemaExtensions.filter((e) => e.open !== true).map((e) => e.schema);
      for (const schema of [type.schema, ...declared]) schemas.set(schema.id.toLowerCase(), schema);
    }
    this.byId = schemas;
    this.typesById = new Map(resourceTypes.map((t) => [t.id.toLowerCase(), t]));
    this.typesByEndpoint = new Map(resourceTypes.map((t) => [endpointName(t), t]));
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

  /** The type whose endpoint is `/<name>` ("Users"); endpoints are matched exactly, as routes are. */
  byEndpoint(name: string): ResourceTypeDefinition | undefined {
    return this.typesByEndpoint.get(name);
  }

  /** The type of this id, which the caller knows exists (a built-in type's id). */
  type(id: string): ResourceTypeDefinition {
    const type = this.resourceType(id);
    if (type === undefined) throw new Error(`No resource type "${id}" in the registry.`);
    return type;
  }

  /** This registry with a tenant's extensions added to their resource types, as optional ones. */
  withExtensions(extensions: readonly CustomExtension[]): SchemaRegistry {
    if (extensions.length === 0) return this;
    return new SchemaRegistry(
      this.resourceTypes.map((type) => {
        const own = extensions.filter((e) => e.resourceType.toLowerCase() === type.id.toLowerCase());
        if (own.length === 0) return type;
        return {
          ...type,
          schemaExtensions: [
            ...type.schemaExtensions,
            ...own.map((e) => ({ schema: e.schema, required: false, custom: true as const })),
          ],
        };
      }),
    );
  }
}

/** "Users" for the endpoint "/Users". */
export function endpointName(type: ResourceTypeDefinition): string {
  return type.endpoint.replace(/^\//, '');
}
