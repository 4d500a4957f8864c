import type { Transaction } from './db.js';
import { preparedIfRoom } from './prepared-sql.js';
import { toStoredResource, type PageRequest, type ResourcePage, type ResourceRow } from './resource-rows.js';

export function firstRow<T>(rows: readonly T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row from a statement that always returns one');
  return row;
}

/**
 * One page and the total. The filter's placeholders are numbered from $1; the tenant, the
 * keyset and the limit take the next ones. Index paging counts with a window function in the
 * same round trip; cursor paging counts separately, since the keyset narrows the rows it reads;
 * a unique-key lookup needs neither.
 */
export async function pageOf(
  q: Transaction,
  table: 'scim_users' | 'scim_groups',
  extra: string,
  tenantId: string,
  request: PageRequest,
  extraColumns = '',
): Promise<ResourcePage> {
  const base = [...request.whereParams, tenantId];
  const where = `r.tenant_id = $${base.length} ${extra}${request.where === undefined ? '' : ` AND ${request.where}`}`;
  const count = async () => {
    const rows = await q.rows<{ total: string }[]>(`SELECT count(*) AS total FROM ${table} r WHERE ${where}`, ...base);
    return Number(rows[0]?.total ?? 0);
  };
  if (request.limit === 0) return { resources: [], total: await count(), hasMore: false };
  if (request.atMostOne === true && request.keyset === undefined) {
    // A unique-key lookup: the one row, if any, is the whole result; its plan never changes.
    const rows = await q.rows<ResourceRow[]>(
      preparedIfRoom(
        `SELECT r.id, r.document, r.version, r.created_at, r.updated_at${extraColumns} FROM ${table} r WHERE ${where}`,
      ),
      ...base,
    );
    return {
      resources: rows.slice(request.offset, request.offset + request.limit).map(toStoredResource),
      total: rows.length,
      hasMore: false,
    };
  }
  const params = [...base, ...request.orderByParams];
  const statement = (sql: string) => (request.planPerValue === true ? sql : preparedIfRoom(sql));

  if (request.keyset !== undefined) {
    const { after, descending } = request.keyset;
    let keyset = '';
    if (after !== undefined) {
      params.push(after.createdAt, after.id);
      keyset = ` AND (r.created_at, r.id) ${descending ? '<' : '>'} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    params.push(request.limit + 1);
    const rows = await q.rows<ResourceRow[]>(
      statement(`SELECT r.id, r.document, r.version, r.created_at, r.updated_at${extraColumns} FROM ${table} r
        WHERE ${where}${keyset} ORDER BY ${request.orderBy} LIMIT $${params.length}`),
      ...params,
    );
    return {
      resources: rows.slice(0, request.limit).map(toStoredResource),
      total: await count(),
      hasMore: rows.length > request.limit,
    };
  }

  params.push(request.limit, request.offset);
  const rows = await q.rows<(ResourceRow & { total: string })[]>(
    statement(`SELECT r.id, r.document, r.version, r.created_at, r.updated_at${extraColumns}, count(*) OVER () AS total
       FROM ${table} r WHERE ${where}
      ORDER BY ${request.orderBy}
      LIMIT $${params.length - 1} OFFSET $${params.length}`),
    ...params,
  );
  // Past the end the window function has no row to report on, but the total must still be told.
  const total = rows.length === 0 && request.offset > 0 ? await count() : Number(rows[0]?.total ?? 0);
  return { resources: rows.map(toStoredResource), total, hasMore: false };
}
