import type { JsonObject } from '../scim/resource/json.js';

/** A group a user belongs to (User.groups, RFC 7643 §4.1.2), as membership-sql.ts reads it. */
export interface GroupOfUser {
  /** The group's id. */
  readonly value: string;
  /** The group's current displayName. */
  readonly display: string;
  /** "direct", or "indirect" through a nested group. */
  readonly type: 'direct' | 'indirect';
}

/** A resource as storage hands it back: the document plus what the service tracks about it. */
export interface StoredResource {
  readonly id: string;
  readonly document: JsonObject;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * Users only, when the statement that read the row was asked for them: the groups the user
   * belongs to, read in that same statement (userGroupsColumn).
   */
  readonly groups?: readonly GroupOfUser[];
}

/** The raw row shape of the resource queries (int8 and timestamptz as pg returns them). */
export interface ResourceRow {
  id: string;
  document: JsonObject;
  /** int8, which pg returns as a decimal string. */
  version: string;
  created_at: Date;
  updated_at: Date;
  /** userGroupsColumn: NULL when the user is in no group. */
  groups?: GroupOfUser[] | null;
}

export function toStoredResource(row: ResourceRow): StoredResource {
  return {
    id: row.id,
    document: row.document,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.groups === undefined ? {} : { groups: row.groups ?? [] }),
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
    /** totalResults as the first page counted it (CursorPosition.total): not counted again. */
    readonly total?: number;
  };
}
