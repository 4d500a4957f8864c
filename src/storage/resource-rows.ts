import type { JsonObject } from '../scim/resource/json.js';

/** A resource as storage hands it back: the document plus what the service tracks about it. */
export interface StoredResource {
  readonly id: string;
  readonly document: JsonObject;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The raw row shape of the resource queries (bigint and timestamptz as the driver returns them). */
export interface ResourceRow {
  id: string;
  document: JsonObject;
  version: bigint | number;
  created_at: Date;
  updated_at: Date;
}

export function toStoredResource(row: ResourceRow): StoredResource {
  return {
    id: row.id,
    document: row.document,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One page of a list, with the total the filter matched (RFC 7644 §3.4.2: totalResults). */
export interface ResourcePage {
  readonly resources: readonly StoredResource[];
  readonly total: number;
}

export interface PageRequest {
  /** A condition over the row aliased `r`, with its placeholders already numbered. */
  readonly where: string | undefined;
  readonly orderBy: string;
  readonly offset: number;
  readonly limit: number;
}
