import type { Sql } from './db.js';
import { preparedSql } from './prepared-sql.js';

/**
 * The tables whose rows are counted (migration 20261207110000_resource_counts), with the resource
 * type their trigger counts them under. A user counts while it is not soft-deleted, which is the
 * condition every User read adds (user-store.ts).
 */
export const COUNTED_TYPE = {
  scim_users: 'User',
  scim_groups: 'Group',
  scim_agents: 'Agent',
  scim_agentic_applications: 'AgenticApplication',
} as const;

/** A table of resources, each counted under its type. */
export type ResourceTable = keyof typeof COUNTED_TYPE;

const COUNT = preparedSql(
  `SELECT coalesce((SELECT c.count FROM resource_counts c WHERE c.tenant_id = $1 AND c.resource_type = $2), 0)
        + coalesce((SELECT sum(d.delta) FROM resource_count_deltas d WHERE d.tenant_id = $1 AND d.resource_type = $2), 0)
          AS total`,
);

/**
 * How many resources of the type the tenant has: the folded count and the deltas not folded yet,
 * read in one snapshot, so exact; two index probes whatever the tenant's size.
 */
export async function resourceCount(q: Sql, tenantId: string, resourceType: string): Promise<number> {
  const rows = await q.rows<{ total: string }[]>(COUNT, tenantId, resourceType);
  return Number(rows[0]?.total ?? 0);
}
