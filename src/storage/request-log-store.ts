import type { JsonValue } from '../scim/resource/json.js';
import type { Sql } from './db.js';

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
  readonly requestBody: JsonValue | undefined;
  readonly responseBody: JsonValue | undefined;
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
  request_body: JsonValue | null;
  response_body: JsonValue | null;
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
});

/** The per-tenant SCIM request log: written in batches, read newest first. */
export class RequestLogStore {
  async insert(q: Sql, entries: readonly RequestLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One statement for the batch; a tenant deleted meanwhile just loses its lines.
    await q.execute(
      `INSERT INTO scim_request_log (tenant_id, received_at, method, path, status, duration_ms, provider, rules,
                                     request_id, request_body, response_body)
       SELECT e.doc ->> 'tenant_id', (e.doc ->> 'received_at')::timestamptz, e.doc ->> 'method', e.doc ->> 'path',
              (e.doc ->> 'status')::integer, (e.doc ->> 'duration_ms')::integer, e.doc ->> 'provider',
              ARRAY(SELECT jsonb_array_elements_text(e.doc -> 'rules')), e.doc ->> 'request_id',
              nullif(e.doc -> 'request_body', 'null'::jsonb), nullif(e.doc -> 'response_body', 'null'::jsonb)
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(doc, ord)
        WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = e.doc ->> 'tenant_id')
        -- Ids follow the order requests were recorded in, which the log is read by.
        ORDER BY e.ord`,
      JSON.stringify(
        entries.map((e) => ({
          tenant_id: e.tenantId,
          received_at: e.receivedAt.toISOString(),
          method: e.method,
          path: e.path,
          status: e.status,
          duration_ms: Math.round(e.durationMs),
          provider: e.provider,
          rules: e.rules,
          request_id: e.requestId,
          request_body: e.requestBody ?? null,
          response_body: e.responseBody ?? null,
        })),
      ),
    );
  }

  /** Newest first, before the entry `before` (a cursor), optionally of one status. */
  async list(
    q: Sql,
    tenantId: string,
    options: { before?: number; status?: number; limit: number },
  ): Promise<StoredRequestLogEntry[]> {
    const rows = await q.rows<Row[]>(
      `SELECT tenant_id, id, received_at, method, path, status, duration_ms, provider, rules, request_id,
              request_body, response_body
         FROM scim_request_log
        WHERE tenant_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::integer IS NULL OR status = $3)
        ORDER BY id DESC
        LIMIT $4`,
      tenantId,
      options.before ?? null,
      options.status ?? null,
      options.limit,
    );
    return rows.map(toEntry);
  }

  async prune(q: Sql, retentionDays: number): Promise<number> {
    return q.execute(`DELETE FROM scim_request_log WHERE received_at < now() - $1 * interval '1 day'`, retentionDays);
  }
}
