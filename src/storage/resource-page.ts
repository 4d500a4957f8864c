import type { Transaction } from './db.js';
import { preparedIfRoom } from './prepared-sql.js';
import { COUNTED_TYPE, resourceCount, type ResourceTable } from './resource-counts.js';
import { toStoredResource, type PageRequest, type ResourcePage, type ResourceRow } from './resource-rows.js';

export function firstRow<T>(rows: readonly T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row from a statement that always returns one');
  return row;
}

/** The columns every resource statement reads, from the row aliased `r`. */
export const RESOURCE_COLUMNS = 'r.id, r.document, r.version, r.created_at, r.updated_at';

/** Cursor paging's keyset condition (RFC 9865): the rows past `after`, in the page's direction. */
function pastKeyset(after: { createdAt: string; id: string }, descending: boolean, params: unknown[]): string {
  params.push(after.createdAt, after.id);
  return `(r.created_at, r.id) ${descending ? '<' : '>'} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
}

/**
 * One page and the total. The filter's placeholders are numbered from $1; the tenant, the
 * keyset and the limit take the next ones. Index paging of a filter counts with a window function
 * in the same round trip, and the whole tenant from its kept count (resource-counts.ts); cursor paging counts separately on
 * its first page, since the keyset narrows the rows it reads, and carries that count in its
 * cursor; a unique-key lookup needs neither. `columns` are read from the row aliased `r`
 * (RESOURCE_COLUMNS and what a store adds).
 */
export async function pageOf(
  q: Transaction,
  table: ResourceTable,
  extra: string,
  tenantId: string,
  request: PageRequest,
  columns = RESOURCE_COLUMNS,
): Promise<ResourcePage> {
  const base = [...request.whereParams, tenantId];
  const where = `r.tenant_id = $${base.length} ${extra}${request.where === undefined ? '' : ` AND ${request.where}`}`;
  const count = async () => {
    // The whole tenant is counted ahead (resource-counts.ts): count(*) reads every row of it.
    if (request.where === undefined) return resourceCount(q, tenantId, COUNTED_TYPE[table]);
    const rows = await q.rows<{ total: string }[]>(`SELECT count(*) AS total FROM ${table} r WHERE ${where}`, ...base);
    return Number(rows[0]?.total ?? 0);
  };
  if (request.limit === 0) return { resources: [], total: await count(), hasMore: false };
  if (request.atMostOne === true) {
    // A unique-key lookup, the one an identity provider makes before every create: the one row,
    // if any, is the whole result, so there is nothing to order, limit or count, and the plan
    // never changes. Under cursor paging the row is shown unless the cursor is already past it
    // (one more column, not a second statement); it is counted either way, as count() would.
    const params = [...base];
    const after = request.keyset?.after;
    const past =
      after === undefined ? '' : `, ${pastKeyset(after, request.keyset?.descending === true, params)} AS past_keyset`;
    const rows = await q.rows<(ResourceRow & { past_keyset?: boolean })[]>(
      preparedIfRoom(`SELECT ${columns}${past} FROM ${table} r WHERE ${where}`),
      ...params,
    );
    return {
      resources: rows
        .filter((r) => r.past_keyset !== false)
        .slice(request.offset, request.offset + request.limit)
        .map(toStoredResource),
      total: rows.length,
      hasMore: false,
    };
  }
  const params = [...base, ...request.orderByParams];
  const statement = (sql: string) => (request.planPerValue === true ? sql : preparedIfRoom(sql));

  if (request.keyset !== undefined) {
    const { after, descending } = request.keyset;
    const keyset = after === undefined ? '' : ` AND ${pastKeyset(after, descending, params)}`;
    params.push(request.limit + 1);
    const rows = await q.rows<ResourceRow[]>(
      statement(`SELECT ${columns} FROM ${table} r
        WHERE ${where}${keyset} ORDER BY ${request.orderBy} LIMIT $${params.length}`),
      ...params,
    );
    return {
      resources: rows.slice(0, request.limit).map(toStoredResource),
      // The first page counts; the pages after it carry that count in their cursor.
      total: request.keyset.total ?? (await count()),
      hasMore: rows.length > request.limit,
    };
  }

  params.push(request.limit, request.offset);
  // The page is cut first, as ids, and only its rows are read again for `columns`: a user's
  // groups, computed beside the rows an OFFSET skips or a window count reads, cost a page of a
  // million users 6 s (npm run bench:scale) instead of the rows shown.
  const cut = (window: string) => `SELECT ${columns}${window === '' ? '' : ', p.total'}
       FROM (SELECT r.id${window} FROM ${table} r WHERE ${where}
              ORDER BY ${request.orderBy}
              LIMIT $${params.length - 1} OFFSET $${params.length}) p, ${table} r
      WHERE r.tenant_id = $${base.length} AND r.id = p.id
      ORDER BY ${request.orderBy}`;
  if (request.where === undefined) {
    // The whole tenant: a window count would read every row of it before the page (3 s at a
    // million users), where the page alone walks its index for the rows shown, and the count is
    // kept ahead.
    const page = await q.rows<ResourceRow[]>(statement(cut('')), ...params);
    return { resources: page.map(toStoredResource), total: await count(), hasMore: false };
  }
  const rows = await q.rows<(ResourceRow & { total: string })[]>(
    statement(cut(', count(*) OVER () AS total')),
    ...params,
  );
  // Past the end the window function has no row to report on, but the total must still be told.
  const total = rows.length === 0 && request.offset > 0 ? await count() : Number(rows[0]?.total ?? 0);
  return { resources: rows.map(toStoredResource), total, hasMore: false };
}
