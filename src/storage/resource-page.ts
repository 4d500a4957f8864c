import type { Transaction } from './db.js';
import { toStoredResource, type PageRequest, type ResourcePage, type ResourceRow } from './resource-rows.js';

export function firstRow<T>(rows: readonly T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row from a statement that always returns one');
  return row;
}

/**
 * One page and the total in one round trip. The filter's placeholders are numbered from $1;
 * tenant, limit and offset take the next three.
 */
export async function pageOf(
  q: Transaction,
  table: 'scim_users' | 'scim_groups',
  extra: string,
  tenantId: string,
  request: PageRequest,
  params: readonly unknown[],
): Promise<ResourcePage> {
  const n = params.length;
  const where = `r.tenant_id = $${n + 1} ${extra}${request.where === undefined ? '' : ` AND ${request.where}`}`;
  if (request.limit === 0) {
    const rows = await q.$queryRawUnsafe<{ total: bigint }[]>(
      `SELECT count(*) AS total FROM ${table} r WHERE ${where}`,
      ...params,
      tenantId,
    );
    return { resources: [], total: Number(rows[0]?.total ?? 0) };
  }
  const rows = await q.$queryRawUnsafe<(ResourceRow & { total: bigint })[]>(
    `SELECT r.id, r.document, r.version, r.created_at, r.updated_at, count(*) OVER () AS total
       FROM ${table} r WHERE ${where}
      ORDER BY ${request.orderBy}
      LIMIT $${n + 2} OFFSET $${n + 3}`,
    ...params,
    tenantId,
    request.limit,
    request.offset,
  );
  if (rows.length === 0 && request.offset > 0) {
    // Past the end: the total still has to be told (RFC 7644 §3.4.2.4).
    const count = await q.$queryRawUnsafe<{ total: bigint }[]>(
      `SELECT count(*) AS total FROM ${table} r WHERE ${where}`,
      ...params,
      tenantId,
    );
    return { resources: [], total: Number(count[0]?.total ?? 0) };
  }
  return { resources: rows.map(toStoredResource), total: Number(rows[0]?.total ?? 0) };
}
