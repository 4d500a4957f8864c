import type { ListQuery } from '../scim/list-query.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { compileFilter } from '../storage/filter-sql.js';
import type { PageRequest } from '../storage/resource-rows.js';
import { compileSort } from '../storage/sort-sql.js';
import { SqlParams } from '../storage/sql-params.js';

/** Turns a parsed list query into the page request and bind parameters storage runs. */
export function pageRequest(
  type: ResourceTypeDefinition,
  query: ListQuery,
): { request: PageRequest; params: unknown[] } {
  const params = new SqlParams();
  const where = query.filter === undefined ? undefined : compileFilter(type, query.filter, params);
  const orderBy = compileSort(type, query.sortBy, query.sortOrder === 'descending', params);
  return { request: { where, orderBy, offset: query.startIndex - 1, limit: query.count }, params: params.values };
}
