import type { StoredColumn } from '../scim/schema/storage-descriptor.js';

/**
 * An attribute kept in a column of its own, as filters compare it and sorts order it: folded
 * with lower() unless caseExact, which is what its shadow value holds and its indexes are on.
 */
export function storedColumnSql(column: StoredColumn): string {
  return column.folded ? `lower(r.${column.column})` : `r.${column.column}`;
}
