/**
 * The raw baseline: bare Fastify routes at the service's own paths that run the equivalent SQL
 * with pg on the same tables, and nothing else (no authentication, schema validation, PATCH
 * engine or projection). What the service does beyond this is its overhead; `npm run bench`
 * starts this file in its own process and reports the ratio. Like the service, every write
 * appends its event to the outbox in the same transaction, numbered by the tenant's counter
 * (docs/events.md): that is part of the equivalent SQL, not of the overhead.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const databaseUrl = process.env['DATABASE_URL'];
const port = Number(process.env['PORT']);
const poolSize = Number(process.env['DATABASE_POOL_SIZE'] ?? '20');
if (databaseUrl === undefined || !Number.isInteger(port)) throw new Error('DATABASE_URL and PORT are required');

const origin = `http://127.0.0.1:${port}`;
const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
const app = Fastify({ logger: false });
app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

type Json = Record<string, unknown>;
interface Row {
  id: string;
  document: Json;
  version: string;
  created_at: Date;
  updated_at: Date;
}
interface Params {
  tenantId: string;
  id: string;
}

const RETURNING = 'id, document, version, created_at, updated_at';
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function representation(tenantId: string, type: 'User' | 'Group', row: Row): Json {
  return {
    ...row.document,
    id: row.id,
    meta: {
      resourceType: type,
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      version: `W/"${row.version}"`,
      location: `${origin}/scim/v2/${tenantId}/${type}s/${row.id}`,
    },
  };
}

/** The first PATCH operation's value: the baseline trusts its (known) client. */
function firstOperationValue(body: unknown): unknown {
  const operations = isObject(body) ? body['Operations'] : undefined;
  const first: unknown = Array.isArray(operations) ? operations[0] : undefined;
  return isObject(first) ? first['value'] : undefined;
}

// The tenant's counter and the event row, in one statement ($1 tenant; the event's columns after).
const APPEND_EVENT = `WITH counter AS (
    UPDATE tenants SET event_sequence = event_sequence + 1 WHERE id = $1 RETURNING event_sequence
  )
  INSERT INTO outbox_events (tenant_id, sequence, id, type, resource_type, resource_id, data)
  SELECT $1, event_sequence, $2::uuid, $3, $4, $5::uuid, $6::jsonb FROM counter`;

async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

app.get('/readyz', async () => {
  await pool.query('SELECT 1');
  return { status: 'ready' };
});

// Insert a row with its document and search jsonb (a lowercased copy stands in for the shadow),
// and its user.created event, in one statement.
app.post<{ Params: Params }>('/scim/v2/:tenantId/Users', async (request, reply) => {
  const body = request.body;
  if (!isObject(body) || typeof body['userName'] !== 'string') return reply.code(400).send();
  const text = JSON.stringify(body);
  const externalId = body['externalId'];
  const id = randomUUID();
  const { rows } = await pool.query<Row>(
    `WITH u AS (
       INSERT INTO scim_users (tenant_id, id, user_name, external_id, active, document, search)
       VALUES ($1, $6::uuid, $2, $3, true, $4::jsonb, $5::jsonb) RETURNING ${RETURNING}
     ), counter AS (
       UPDATE tenants SET event_sequence = event_sequence + 1 WHERE id = $1 RETURNING event_sequence
     ), event AS (
       INSERT INTO outbox_events (tenant_id, sequence, id, type, resource_type, resource_id, data)
       SELECT $1, event_sequence, $7::uuid, 'user.created', 'User', $6::uuid, $4::jsonb FROM counter, u
     )
     SELECT * FROM u`,
    [
      request.params.tenantId,
      body['userName'],
      typeof externalId === 'string' ? externalId : null,
      text,
      text.toLowerCase(),
      id,
      randomUUID(),
    ],
  );
  const row = rows[0];
  if (row === undefined) return reply.code(500).send();
  return reply
    .code(201)
    .type('application/scim+json')
    .send(representation(request.params.tenantId, 'User', row));
});

// Select by primary key.
app.get<{ Params: Params }>('/scim/v2/:tenantId/Users/:id', async (request, reply) => {
  const { rows } = await pool.query<Row>(
    `SELECT ${RETURNING} FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL`,
    [request.params.tenantId, request.params.id],
  );
  const row = rows[0];
  if (row === undefined) return reply.code(404).send();
  return reply.type('application/scim+json').send(representation(request.params.tenantId, 'User', row));
});

// Select by (tenant_id, lower(user_name)), the unique index.
const USER_NAME_EQ = /^userName eq "(.*)"$/;
app.get<{ Params: Params; Querystring: { filter?: string } }>('/scim/v2/:tenantId/Users', async (request, reply) => {
  const wanted = USER_NAME_EQ.exec(request.query.filter ?? '')?.[1];
  if (wanted === undefined) return reply.code(400).send();
  const { rows } = await pool.query<Row>(
    `SELECT ${RETURNING} FROM scim_users WHERE tenant_id = $1 AND lower(user_name) = lower($2) AND deleted_at IS NULL
      ORDER BY created_at, id LIMIT 100`,
    [request.params.tenantId, wanted],
  );
  return reply.type('application/scim+json').send({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: rows.length,
    startIndex: 1,
    itemsPerPage: rows.length,
    Resources: rows.map((row) => representation(request.params.tenantId, 'User', row)),
  });
});

// Read-modify-write of one user in a transaction, the row locked FOR UPDATE, with its event.
app.patch<{ Params: Params }>('/scim/v2/:tenantId/Users/:id', async (request, reply) => {
  const title = firstOperationValue(request.body);
  const { tenantId, id } = request.params;
  const row = await inTransaction(async (client) => {
    const current = await client.query<{ document: Json }>(
      'SELECT document FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL FOR UPDATE',
      [tenantId, id],
    );
    const document = current.rows[0]?.document;
    if (document === undefined) return undefined;
    const text = JSON.stringify({ ...document, title });
    const updated = await client.query<Row>(
      `UPDATE scim_users SET document = $3::jsonb, search = $4::jsonb, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2::uuid RETURNING ${RETURNING}`,
      [tenantId, id, text, text.toLowerCase()],
    );
    await client.query(APPEND_EVENT, [tenantId, randomUUID(), 'user.updated', 'User', id, text]);
    return updated.rows[0];
  });
  if (row === undefined) return reply.code(404).send();
  return reply.type('application/scim+json').send(representation(tenantId, 'User', row));
});

// Insert one membership row, bump the group's version and append the event, in one transaction.
app.patch<{ Params: Params }>('/scim/v2/:tenantId/Groups/:id', async (request, reply) => {
  const value = firstOperationValue(request.body);
  const member: unknown = Array.isArray(value) && isObject(value[0]) ? value[0]['value'] : undefined;
  if (typeof member !== 'string') return reply.code(400).send();
  const { tenantId, id } = request.params;
  const row = await inTransaction(async (client) => {
    await client.query(
      `INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
       VALUES ($1, $2::uuid, $3::uuid, 'User') ON CONFLICT DO NOTHING`,
      [tenantId, id, member],
    );
    const updated = await client.query<Row>(
      `UPDATE scim_groups SET version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid
       RETURNING ${RETURNING}`,
      [tenantId, id],
    );
    await client.query(APPEND_EVENT, [
      tenantId,
      randomUUID(),
      'group.member_added',
      'Group',
      id,
      JSON.stringify({ groupId: id, member: { value: member, type: 'User' } }),
    ]);
    return updated.rows[0];
  });
  if (row === undefined) return reply.code(404).send();
  return reply.type('application/scim+json').send(representation(tenantId, 'Group', row));
});

const stop = () => {
  void app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await app.listen({ host: '127.0.0.1', port });
