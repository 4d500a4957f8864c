import type { JsonObject } from './json.js';

export interface ResourceMeta {
  readonly resourceType: string;
  readonly created: Date;
  readonly lastModified: Date;
  readonly version: number;
  /** The absolute URL of the resource (RFC 7643 §3.1 meta.location). */
  readonly location: string;
}

/** RFC 7644 §3.14: versions are weak entity tags; the same string is the ETag header. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * The resource as returned (RFC 7643 §3.1, §8): schemas, id, externalId, core attributes,
 * attributes the service computes (User groups, Group members), extension objects, meta.
 */
export function representation(
  document: JsonObject,
  id: string,
  meta: ResourceMeta,
  computed: JsonObject = {},
): JsonObject {
  const { schemas, externalId, ...attributes } = document;
  const core: JsonObject = {};
  const extensions: JsonObject = {};
  for (const [key, value] of Object.entries(attributes)) {
    // Extension objects are keyed by their schema URN; core attribute names never contain ':'.
    if (key.includes(':')) extensions[key] = value;
    else core[key] = value;
  }
  return {
    schemas: schemas ?? [],
    id,
    ...(externalId === undefined ? {} : { externalId }),
    ...core,
    ...computed,
    ...extensions,
    meta: {
      resourceType: meta.resourceType,
      created: meta.created.toISOString(),
      lastModified: meta.lastModified.toISOString(),
      location: meta.location,
      version: etagOf(meta.version),
    },
  };
}
