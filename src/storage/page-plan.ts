import { decodeCursor, encodeCursor, queryFingerprint } from '../scim/cursor.js';
import { formatFilter } from '../scim/filter/format.js';
import type { ListQuery } from '../scim/list-query.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { compileWhere, type FilterOptions } from './filter-sql.js';
import type { PageRequest, ResourcePage } from './resource-rows.js';
import { compileSort } from './sort-sql.js';
import { SqlParams } from './sql-params.js';

export interface PlannedPage {
  readonly request: PageRequest;
  /** Turns the page storage returned into the RFC 9865 nextCursor, when cursor paging. */
  nextCursor(page: ResourcePage): string | undefined;
}

/**
 * Turns a parsed list query into the page request the stores run: the filter and sort compiled
 * to SQL, the placeholders numbered, and for cursor paging the keyset and the next cursor.
 */
export function planPage(type: ResourceTypeDefinition, query: ListQuery, options: FilterOptions = {}): PlannedPage {
  const whereParams = new SqlParams();
  const compiled = query.filter === undefined ? undefined : compileWhere(type, query.filter, whereParams, options);
  const where = compiled?.sql;
  const descending = query.sortOrder === 'descending';
  // The tenant's placeholder follows the filter's; the sort's follow the tenant's.
  const orderByParams = new SqlParams(whereParams.values.length + 1);
  const orderBy = compileSort(type, query.sortBy, descending, orderByParams);
  const base = {
    where,
    whereParams: whereParams.values,
    orderBy,
    orderByParams: orderByParams.values,
    // A sorted page is planned for its tenant: a generic plan assumes a tenant of average size,
    // and sorted a tenant of a million users in memory rather than walk the sort index.
    planPerValue: compiled?.planPerValue === true || query.sortBy !== undefined,
    atMostOne: compiled?.atMostOne === true,
  };
  if (query.cursor === undefined) {
    return { request: { ...base, offset: query.startIndex - 1, limit: query.count }, nextCursor: () => undefined };
  }
  const fingerprint = queryFingerprint([
    type.id,
    query.filter === undefined ? '' : formatFilter(query.filter),
    query.sortOrder,
  ]);
  const after = query.cursor === '' ? undefined : decodeCursor(query.cursor, fingerprint);
  return {
    request: {
      ...base,
      offset: 0,
      limit: query.count,
      keyset: { after, descending, ...(after?.total === undefined ? {} : { total: after.total }) },
    },
    nextCursor(page) {
      const last = page.resources.at(-1);
      return page.hasMore && last !== undefined
        ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id, total: page.total }, fingerprint)
        : undefined;
    },
  };
}
