import { createHash } from 'node:crypto';

const registered = new Map<string, string>();
// Statements whose text depends on the request (a list query's filter shape) are prepared too,
// but only the first few hundred distinct ones: each stays in every connection's cache.
const MAX_DYNAMIC = 256;
let dynamic = 0;

/**
 * Marks a constant statement of a hot path for a named prepared statement: Postgres then parses
 * and plans it once per connection instead of on every request. Only statements registered here
 * are named, so the per-connection cache stays bounded (filter-compiled SQL, whose shape a
 * client chooses, is never cached).
 */
export function preparedSql(sql: string): string {
  if (!registered.has(sql)) registered.set(sql, `s_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`);
  return sql;
}

/** The same for a statement built per request, within a fixed budget of distinct texts. */
export function preparedIfRoom(sql: string): string {
  if (!registered.has(sql) && dynamic < MAX_DYNAMIC) {
    dynamic += 1;
    preparedSql(sql);
  }
  return sql;
}

/** The statement name for a registered statement, for the Prisma pg adapter. */
export function statementName(sql: string): string | undefined {
  return registered.get(sql);
}
