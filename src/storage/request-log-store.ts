import { canCopy, copyInto, copyLine, sqlOf, type Database, type Sql } from './db.js';

export interface RequestLogEntry {
  readonly tenantId: string;
  readonly receivedAt: Date;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly provider: string;
  readonly rules: readonly string[];
  readonly requestId: string;
  /** As sent (the request's with its secrets redacted), possibly cut short. */
  readonly requestBody: string | undefined;
  readonly responseBody: string | undefined;
  /** Who called, where the protocol names more than the tenant (an MCP tool call). */
  readonly caller?: string | undefined;
}

export interface StoredRequestLogEntry extends RequestLogEntry {
  readonly id: number;
}

interface Row {
  tenant_id: string;
  id: string;
  received_at: Date;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  provider: string;
  rules: string[];
  request_id: string;
  request_body: string | null;
  response_body: string | null;
  caller: string | null;
}

const toEntry = (r: Row): StoredRequestLogEntry => ({
  tenantId: r.tenant_id,
  id: Number(r.id),
  receivedAt: r.received_at,
  method: r.method,
  path: r.path,
  status: r.status,
  durationMs: r.duration_ms,
  provider: r.provider,
  rules: r.rules,
  requestId: r.request_id,
  requestBody: r.request_body ?? undefined,
  responseBody: r.response_body ?? undefined,
  caller: r.caller ?? undefined,
});

// The columns a batch writes, and an entry's values for them, as text both COPY and the VALUES
// casts read (rule names are plain words, so the array literal needs no quoting).
const COLUMNS =
  'tenant_id, received_at, method, path, status, duration_ms, provider, rules, request_id, request_body, response_body, caller';
const valuesOf = (e: RequestLogEntry): (string | number | null)[] => [
  e.tenantId,
  e.receivedAt.toISOString(),
  e.method,
  e.path,
  e.status,
  Math.round(e.durationMs),
  e.provider,
  `{${e.rules.join(',')}}`,
  e.requestId,
  e.requestBody ?? null,
  e.responseBody ?? null,
  e.caller ?? null,
];

function ofLiveTenants(entries: readonly RequestLogEntry[], live: readonly { id: string }[]): RequestLogEntry[] {
  const kept = new Set(live.map((t) => t.id));
  return entries.filter((e) => kept.has(e.tenantId));
}

/** The per-tenant SCIM request log: written in batches, read newest first. */
export class RequestLogStore {
  /**
   * Writes a batch with COPY (a fraction of what INSERT costs the database per row, which
   * matters when every read is logged). Ids follow the batch's order, which the log is read by.
   * The batch's tenants are locked first, once each, in place of a foreign key's check and
   * lock on every row: entries of a tenant deleted meanwhile are dropped, and a tenant's
   * deletion waits for the batch, then deletes its rows too (TenantStore.delete).
   */
  async insert(db: Database, entries: readonly RequestLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!canCopy(db)) return this.insertValues(sqlOf(db), entries);
    await copyInto(db, `COPY scim_request_log (${COLUMNS}) FROM STDIN`, async (q) => {
      const tenantIds = [...new Set(entries.map((e) => e.tenantId))];
      const live = await q.rows<{ id: string }[]>(
        'SELECT id FROM tenants WHERE id = ANY($1::text[]) FOR KEY SHARE',
        tenantIds,
      );
      const kept = live.length === tenantIds.length ? entries : ofLiveTenants(entries, live);
      return kept.map((e) => copyLine(valuesOf(e))).join('');
    });
  }

  /** The embedded server's way: one VALUES row per entry, each value its own parameter. */
  private async insertValues(q: Sql, entries: readonly RequestLogEntry[]): Promise<void> {
    const params: unknown[] = [];
    const rows = entries.map((e, index) => {
      params.push(...valuesOf(e));
      const n = params.length - 12;
      const p = (i: number) => `$${n + i}`;
      return `(${index}, ${p(1)}, ${p(2)}::timestamptz, ${p(3)}, ${p(4)}, ${p(5)}::integer, ${p(6)}::integer, ${p(7)}, ${p(8)}::text[], ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)})`;
    });
    await q.execute(
      `INSERT INTO scim_request_log (${COLUMNS})
       SELECT ${COLUMNS}
         FROM (VALUES ${rows.join(', ')}) AS v(ord, ${COLUMNS})
        WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = v.tenant_id)
        -- Ids follow the order requests were recorded in, which the log is read by.
        ORDER BY v.ord`,
      ...params,
    );
  }

  /**
   * Newest first, before the entry `before` (a cursor), optionally of one status, only refused
   * requests (`failed`: status 400 and up), only some methods, one provider, or a span of time.
   */
  async list(
    q: Sql,
    tenantId: string,
    options: {
      before?: number;
      status?: number;
      failed?: boolean;
      methods?: readonly string[];
      provider?: string;
      since?: Date;
      until?: Date;
      limit: number;
    },
  ): Promise<StoredRequestLogEntry[]> {
    const rows = await q.rows<Row[]>(
      `SELECT tenant_id, id, received_at, method, path, status, duration_ms, provider, rules, request_id,
              request_body, response_body, caller
         FROM scim_request_log
        WHERE tenant_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::integer IS NULL OR status = $3)
          AND ($5::boolean IS NOT TRUE OR status >= 400) AND ($6::text[] IS NULL OR method = ANY($6::text[]))
          AND ($7::text IS NULL OR provider = $7) AND ($8::timestamptz IS NULL OR received_at >= $8)
          AND ($9::timestamptz IS NULL OR received_at < $9)
        ORDER BY id DESC
        LIMIT $4`,
      tenantId,
      options.before ?? null,
      options.status ?? null,
      options.limit,
      options.failed ?? null,
      options.methods === undefined ? null : [...options.methods],
      options.provider ?? null,
      options.since ?? null,
      options.until ?? null,
    );
    return rows.map(toEntry);
  }

  async prune(q: Sql, retentionDays: number): Promise<number> {
    return q.execute(`DELETE FROM scim_request_log WHERE received_at < now() - $1 * interval '1 day'`, retentionDays);
  }
}
