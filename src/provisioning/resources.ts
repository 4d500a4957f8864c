import type { ListQuery } from '../scim/list-query.js';
import type { Projection } from '../scim/projection.js';
import type { JsonObject } from '../scim/resource/json.js';
import type { FilterOptions } from '../storage/filter-sql.js';
import type { TenantContext } from './context.js';

/** What a use case hands back to http/: the full representation, projected there. */
export interface ResourceResult {
  readonly resource: JsonObject;
  readonly version: number;
}

export interface ListResult {
  readonly total: number;
  readonly resources: readonly JsonObject[];
  /** RFC 9865: present when cursor paging and more resources follow. */
  readonly nextCursor?: string;
}

/**
 * The use cases of one resource type (Users, Groups). The projection lets a use case skip
 * computing what the response will not show.
 */
export interface ResourceService {
  create(ctx: TenantContext, body: unknown, projection: Projection): Promise<ResourceResult>;
  get(ctx: TenantContext, id: string, projection: Projection): Promise<ResourceResult>;
  replace(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection,
  ): Promise<ResourceResult>;
  patch(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection,
  ): Promise<ResourceResult>;
  delete(ctx: TenantContext, id: string, ifMatch: string | undefined): Promise<void>;
  /** options.unknownAsUnassigned: for searches across resource types (RFC 7644 §3.4.2.2). */
  list(ctx: TenantContext, query: ListQuery, options?: FilterOptions): Promise<ListResult>;
}
