import type { JsonObject } from '../scim/resource/json.js';

/** A resource as storage hands it back: the document plus what the service tracks about it. */
export interface StoredResource {
  readonly id: string;
  readonly document: JsonObject;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * Users only: whether the user is a direct member of any group, read in the same statement,
   * so the (recursive) groups query runs only for users that have groups.
   */
  readonly inGroups?: boolean;
}

/** The raw row shape of the resource queries (int8 and timestamptz as pg returns them). */
export interface ResourceRow {
  id: string;
  document: JsonObject;
  /** int8, which pg returns as a decimal string. */
  version: string;
  created_at: Date;
  updated_at: Date;
  in_groups?: boolean;
}

export function toStoredResource(row: ResourceRow): StoredResource {
  return {
    id: row.id,
    document: row.document,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.in_groups === undefined ? {} : { inGroups: row.in_groups }),
  };
}

/** One page of a list, with the total the filter matched (RFC 7644 §3.4.2: totalResults). */
export interface ResourcePage {
  readonly resources: readonly StoredResource[];
  readonly total: number;
  /** Cursor paging only: whether resources follow this page. */
  readonly hasMore: boolean;
}

/**
 * A page to read. Placeholders are numbered in this order: the filter's ($1…), then the tenant,
 * then the sort's, then what storage adds (keyset, limit, offset).
 */
export interface PageRequest {
  /** A condition over the row aliased `r`. */
  readonly where: string | undefined;
  readonly whereParams: readonly unknown[];
  readonly orderBy: string;
  readonly orderByParams: readonly unknown[];
  /** Send the statement unnamed, so Postgres plans it for these values (see CompiledWhere). */
  readonly planPerValue?: boolean;
  /** At most one row can match (see CompiledWhere): no ORDER BY, LIMIT or count needed. */
  readonly atMostOne?: boolean;
  readonly offset: number;
  readonly limit: number;
  /**
   * Cursor paging (RFC 9865) in creation order: start after this keyset instead of an offset,
   * which stays fast and stable however deep an export goes.
   */
  readonly keyset?: {
    readonly after: { readonly createdAt: string; readonly id: string } | undefined;
    readonly descending: boolean;
  };
}
