import pg from 'pg';
import { drive, type Connection, type LoadResult } from './scale-load.js';
import { userBody } from './scale-seed.js';

/** An initial sync: every user of a directory created in an empty tenant. */
export interface SyncResult {
  /** Users the tenant holds afterwards, counted in the database. */
  readonly created: number;
  readonly seconds: number;
  /** Whether the run stopped at its time limit before every user was sent. */
  readonly capped: boolean;
  /** The HTTP requests, their latency and failures (a Bulk request counts once). */
  readonly load: LoadResult;
  /** Bulk only: operations answered with another status than 201. */
  readonly failedOperations: number;
  readonly firstFailedOperation: string | undefined;
}

export interface SyncOptions {
  readonly origin: string;
  readonly token: string;
  readonly tenantId: string;
  readonly databaseUrl: string;
  readonly users: number;
  readonly connections: number;
  readonly maxSeconds: number;
}

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

async function usersOf(url: string, tenantId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM scim_users WHERE tenant_id = $1 AND deleted_at IS NULL',
      [tenantId],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Users 1..total handed out one at a time (or a batch at a time) to every connection. */
function counter(total: number): (size: number) => { first: number; last: number } | undefined {
  let next = 1;
  return (size) => {
    if (next > total) return undefined;
    const range = { first: next, last: Math.min(total, next + size - 1) };
    next = range.last + 1;
    return range;
  };
}

async function run(
  options: SyncOptions,
  connection: () => Connection,
): Promise<{ load: LoadResult; created: number; capped: boolean; seconds: number }> {
  const started = performance.now();
  const load = await drive(
    options.origin,
    options.token,
    Array.from({ length: options.connections }, connection),
    options.maxSeconds,
  );
  const seconds = (performance.now() - started) / 1000;
  const created = await usersOf(options.databaseUrl, options.tenantId);
  return { load, created, capped: created < options.users && seconds >= options.maxSeconds, seconds };
}

/** POST /Users, one user a request, on `connections` connections at once. */
export async function syncByPost(options: SyncOptions): Promise<SyncResult> {
  const take = counter(options.users);
  const result = await run(options, () => () => {
    const range = take(1);
    if (range === undefined) return undefined;
    return {
      method: 'POST',
      path: `/scim/v2/${options.tenantId}/Users`,
      body: JSON.stringify(userBody(options.tenantId, range.first)),
    };
  });
  return { ...result, failedOperations: 0, firstFailedOperation: undefined };
}

/** A BulkRequest creating the tenant's users first..last (RFC 7644 §3.7), one POST operation each. */
export function bulkBody(tenant: string, first: number, last: number): string {
  const operations = [];
  for (let n = first; n <= last; n += 1) {
    operations.push({ method: 'POST', path: '/Users', bulkId: `user-${n}`, data: userBody(tenant, n) });
  }
  return JSON.stringify({ schemas: [BULK_REQUEST], Operations: operations });
}

/**
 * The operations a BulkRequest can carry within the service's limits (RFC 7644 §3.7.4), as
 * /ServiceProviderConfig advertises them: maxOperations, or fewer when that many users would
 * not fit in maxPayloadSize (measured on the largest numbers, whose bodies are the longest).
 */
export function operationsPerRequest(
  tenant: string,
  users: number,
  maxOperations: number,
  maxPayloadSize: number,
): number {
  let size = Math.min(maxOperations, users);
  while (size > 1 && Buffer.byteLength(bulkBody(tenant, Math.max(1, users - size + 1), users)) > maxPayloadSize) {
    size = Math.floor(size * 0.9);
  }
  return size;
}

/**
 * POST /Bulk, `perRequest` users a request, `connections` requests at a time; every operation's
 * status is checked (a Bulk request answers 200 whatever its operations' outcome, §3.7).
 */
export async function syncByBulk(options: SyncOptions, perRequest: number): Promise<SyncResult> {
  const take = counter(options.users);
  let failedOperations = 0;
  let firstFailedOperation: string | undefined;
  const check = (body: string) => {
    const response = JSON.parse(body) as { Operations?: { status?: unknown; response?: unknown }[] };
    for (const operation of response.Operations ?? []) {
      if (operation.status === '201') continue;
      failedOperations += 1;
      firstFailedOperation ??= JSON.stringify(operation).slice(0, 300);
    }
  };
  const result = await run(options, () => (previous) => {
    if (previous?.status === 200) check(previous.body);
    const range = take(perRequest);
    if (range === undefined) return undefined;
    return {
      method: 'POST',
      path: `/scim/v2/${options.tenantId}/Bulk`,
      body: bulkBody(options.tenantId, range.first, range.last),
    };
  });
  return { ...result, failedOperations, firstFailedOperation };
}
