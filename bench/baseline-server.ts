/**
 * The minimal baseline: bare Fastify routes at the service's own paths, answering with the same
 * SCIM representation as the service, from the least SQL that can produce it with pg on the same
 * tables, and nothing else (no authentication, schema validation, PATCH engine or projection).
 * It is the limit the service is measured against (issue 13): one named statement per request,
 * no transaction round trips, and
 * - User.groups (RFC 7643 §4.1.2) read in the user's own statement, by a correlated subquery;
 * - each write's event appended in the write's own statement, numbered by one global bigserial
 *   in a table of the bench's (baseline-outbox.ts), never by a per-tenant counter.
 * What the service does beyond this is its overhead; `npm run bench` starts this file in its own
 * process and reports the ratio.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply } from 'fastify';
import pg from 'pg';
import { BASELINE_OUTBOX } from './baseline-outbox.js';

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
  /** int8, which pg returns as a decimal string. */
  version: string;
  created_at: Date;
  updated_at: Date;
  /** json_agg of the user's groups, already in the representation's shape; null for none. */
  groups?: Json[] | null;
}
interface Params {
  tenantId: string;
  id: string;
}

/**
 * Sends a body as the service does: application/scim+json with no charset parameter (RFC 7644
 * §8.1). Fastify appends one to any JSON type whose body is an object or a string; bytes it
 * sends as they are, where the service removes it again in an onSend hook.
 */
const sendScim = (reply: FastifyReply, body: Json) =>
  reply.header('content-type', 'application/scim+json').send(Buffer.from(JSON.stringify(body)));
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const baseUrl = (tenantId: string) => `${origin}/scim/v2/${tenantId}`;
const etag = (row: { version: string }) => `W/"${row.version}"`;

/**
 * A user as the service represents it (src/scim/resource/representation.ts), key for key:
 * schemas, id, externalId, the core attributes, groups when there are any, meta. The seeded and
 * created users carry no extension objects, so nothing goes after groups.
 */
function representation(tenantId: string, row: Row): Json {
  const { schemas, externalId, ...core } = row.document;
  return {
    schemas,
    id: row.id,
    ...(externalId === undefined ? {} : { externalId }),
    ...core,
    ...(row.groups == null ? {} : { groups: row.groups }),
    meta: {
      resourceType: 'User',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      location: `${baseUrl(tenantId)}/Users/${row.id}`,
      version: etag(row),
    },
  };
}

/** The first PATCH operation: the baseline trusts its (known) client and reads no further. */
function firstOperation(body: unknown): Json | undefined {
  const operations = isObject(body) ? body['Operations'] : undefined;
  const first: unknown = Array.isArray(operations) ? operations[0] : undefined;
  return isObject(first) ? first : undefined;
}

/** Each statement is named, so Postgres parses and plans it once per connection (as ours are). */
const query = <T extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
  pool.query<T>({ name, text, values });

const RESOURCE = (alias: string) =>
  `${alias}.id, ${alias}.document, ${alias}.version, ${alias}.created_at, ${alias}.updated_at`;

/*
 * The user's groups as the representation lists them, for the user row `u`; `$3` is the tenant's
 * base URL. json (not jsonb) keeps the keys in the order the service writes them. The seed nests
 * no group, so every membership is direct and one level is the whole answer (the service also
 * walks nested groups, for "indirect" ones). Served by the (tenant_id, member_id) index, then a
 * primary-key probe per group; ordered as the service orders them.
 */
const GROUPS = `(SELECT json_agg(json_build_object('value', g.id, '$ref', $3::text || '/Groups/' || g.id,
                                       'display', g.display_name, 'type', 'direct')
                     ORDER BY g.display_name, g.id)
    FROM scim_group_members m
    JOIN scim_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
   WHERE m.tenant_id = u.tenant_id AND m.member_id = u.id) AS groups`;

// RFC 3339 as toISOString() writes it, for the event's meta (the service's withEvents does alike).
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * An event's data as the service stores it: the resource as returned, without groups, its meta
 * taken from the row the statement just wrote (`u`); `$3` is the tenant's base URL.
 */
const USER_EVENT_DATA = `u.document || jsonb_build_object('id', u.id, 'meta', jsonb_build_object(
    'resourceType', 'User', 'created', ${iso('u.created_at')}, 'lastModified', ${iso('u.updated_at')},
    'location', $3::text || '/Users/' || u.id, 'version', 'W/"' || u.version || '"'))`;

/**
 * The event's `mapped` column: the user through the default attribute mapping the bench tenant
 * has (src/scim/mapping/default-mapping.ts), without groups, as the service writes it. The
 * baseline's users all have a primary email, so the mapping's fallbacks for email are left out.
 */
const USER_EVENT_MAPPED = `jsonb_build_object(
    'id', u.id, 'externalId', u.document -> 'externalId', 'userName', u.document -> 'userName',
    'email', jsonb_path_query_first(u.document, '$.emails[*] ? (@.primary == true).value'),
    'firstName', u.document #> '{name,givenName}', 'lastName', u.document #> '{name,familyName}',
    'displayName', u.document -> 'displayName', 'active', u.document -> 'active',
    'department', NULL, 'manager', NULL)`;

const EVENT_COLUMNS = 'tenant_id, id, type, resource_type, resource_id, external_id, data, changed_attributes, mapped';

app.get('/readyz', async () => {
  await pool.query('SELECT 1');
  return { status: 'ready' };
});

// One INSERT of the user, and of its user.created event from the row it returns. A new user is in
// no group, so the response has no groups and no query for them (the service skips it too). The
// lowercased copy of the body stands in for the search document, which needs the schema.
const CREATE_USER = `WITH u AS (
    INSERT INTO scim_users (tenant_id, id, user_name, external_id, active, document, search)
    VALUES ($1, $2::uuid, $4, $5, true, $6::jsonb, $7::jsonb)
    RETURNING tenant_id, ${RESOURCE('scim_users')}
  ), event AS (
    INSERT INTO ${BASELINE_OUTBOX} (${EVENT_COLUMNS})
    SELECT $1, $8::uuid, 'user.created', 'User', u.id, $5, ${USER_EVENT_DATA}, '{}', ${USER_EVENT_MAPPED} FROM u
  )
  SELECT ${RESOURCE('u')} FROM u`;

app.post<{ Params: Params }>('/scim/v2/:tenantId/Users', async (request, reply) => {
  const body = request.body;
  if (!isObject(body) || typeof body['userName'] !== 'string') return reply.code(400).send();
  const { tenantId } = request.params;
  const text = JSON.stringify(body);
  const externalId = body['externalId'];
  const { rows } = await query<Row>('baseline_create_user', CREATE_USER, [
    tenantId,
    randomUUID(),
    baseUrl(tenantId),
    body['userName'],
    typeof externalId === 'string' ? externalId : null,
    text,
    text.toLowerCase(),
    randomUUID(),
  ]);
  const row = rows[0];
  if (row === undefined) return reply.code(500).send();
  const location = `${baseUrl(tenantId)}/Users/${row.id}`;
  return sendScim(
    reply.code(201).header('Location', location).header('ETag', etag(row)),
    representation(tenantId, row),
  );
});

// The user by primary key, with its groups.
const GET_USER = `SELECT ${RESOURCE('u')}, ${GROUPS}
  FROM scim_users u WHERE u.tenant_id = $1 AND u.id = $2::uuid AND u.deleted_at IS NULL`;

app.get<{ Params: Params }>('/scim/v2/:tenantId/Users/:id', async (request, reply) => {
  const { tenantId, id } = request.params;
  const { rows } = await query<Row>('baseline_get_user', GET_USER, [tenantId, id, baseUrl(tenantId)]);
  const row = rows[0];
  if (row === undefined) return reply.code(404).send();
  return sendScim(reply.header('ETag', etag(row)), representation(tenantId, row));
});

// The user by (tenant_id, lower(user_name)), the unique index, with its groups. At most one row
// can match, so no ORDER BY, LIMIT or count (the service plans userName eq the same way).
const USER_NAME_EQ = /^userName eq "(.*)"$/;
const FIND_USER_NAME = `SELECT ${RESOURCE('u')}, ${GROUPS}
  FROM scim_users u WHERE u.tenant_id = $1 AND lower(u.user_name) = lower($2) AND u.deleted_at IS NULL`;

app.get<{ Params: Params; Querystring: { filter?: string } }>('/scim/v2/:tenantId/Users', async (request, reply) => {
  const wanted = USER_NAME_EQ.exec(request.query.filter ?? '')?.[1];
  if (wanted === undefined) return reply.code(400).send();
  const { tenantId } = request.params;
  const { rows } = await query<Row>('baseline_find_user_name', FIND_USER_NAME, [tenantId, wanted, baseUrl(tenantId)]);
  return sendScim(reply, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: rows.length,
    startIndex: 1,
    itemsPerPage: rows.length,
    Resources: rows.map((row) => representation(tenantId, row)),
  });
});

// The change applied in the UPDATE itself (the baseline knows the operation: replace of the
// caseExact=false `title`, so the search copy gets it lowercased), its user.updated event from the
// row it returns, and the groups of that row: one statement, no read before the write and no
// lock held across round trips.
const PATCH_TITLE = `WITH u AS (
    UPDATE scim_users
       SET document = jsonb_set(document, '{title}', to_jsonb($4::text)),
           search = jsonb_set(search, '{title}', to_jsonb(lower($4::text))),
           version = version + 1, updated_at = now()
     WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL
    RETURNING tenant_id, external_id, ${RESOURCE('scim_users')}
  ), event AS (
    INSERT INTO ${BASELINE_OUTBOX} (${EVENT_COLUMNS})
    SELECT $1, $5::uuid, 'user.updated', 'User', u.id, u.external_id, ${USER_EVENT_DATA}, '{title}',
           ${USER_EVENT_MAPPED}
      FROM u
  )
  SELECT ${RESOURCE('u')}, ${GROUPS} FROM u`;

app.patch<{ Params: Params }>('/scim/v2/:tenantId/Users/:id', async (request, reply) => {
  const operation = firstOperation(request.body);
  const title = operation?.['value'];
  if (operation?.['op'] !== 'replace' || operation['path'] !== 'title' || typeof title !== 'string') {
    return reply.code(400).send();
  }
  const { tenantId, id } = request.params;
  const { rows } = await query<Row>('baseline_patch_title', PATCH_TITLE, [
    tenantId,
    id,
    baseUrl(tenantId),
    title,
    randomUUID(),
  ]);
  const row = rows[0];
  if (row === undefined) return reply.code(404).send();
  return sendScim(reply.header('ETag', etag(row)), representation(tenantId, row));
});

// The member checked to be a user of the tenant and held (FOR KEY SHARE, so a concurrent DELETE
// waits and cannot leave the membership dangling, as the service holds it), the membership row,
// the group's new version (which takes its row lock) and the group.member_added event, in one
// statement. Answered like the service: 204 with the ETag, never the 10k members.
const ADD_MEMBER = `WITH member AS (
    SELECT id FROM scim_users WHERE tenant_id = $1 AND id = $3::uuid AND deleted_at IS NULL FOR KEY SHARE
  ), added AS (
    INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
    SELECT $1, $2::uuid, id, 'User' FROM member
    ON CONFLICT DO NOTHING RETURNING member_id
  ), g AS (
    UPDATE scim_groups SET version = version + 1, updated_at = now()
     WHERE tenant_id = $1 AND id = $2::uuid RETURNING id, external_id, version
  ), event AS (
    INSERT INTO ${BASELINE_OUTBOX} (${EVENT_COLUMNS})
    SELECT $1, $5::uuid, 'group.member_added', 'Group', g.id, g.external_id,
           jsonb_build_object('groupId', g.id, 'member', jsonb_build_object(
             'value', added.member_id, 'type', 'User', '$ref', $4::text || '/Users/' || added.member_id)),
           '{members}', NULL
      FROM g, added
  )
  SELECT g.version, EXISTS (SELECT 1 FROM member) AS member_exists FROM g`;

app.patch<{ Params: Params }>('/scim/v2/:tenantId/Groups/:id', async (request, reply) => {
  const value = firstOperation(request.body)?.['value'];
  const member: unknown = Array.isArray(value) && isObject(value[0]) ? value[0]['value'] : undefined;
  if (typeof member !== 'string') return reply.code(400).send();
  const { tenantId, id } = request.params;
  const { rows } = await query<{ version: string; member_exists: boolean }>('baseline_add_member', ADD_MEMBER, [
    tenantId,
    id,
    member,
    baseUrl(tenantId),
    randomUUID(),
  ]);
  const row = rows[0];
  if (row === undefined) return reply.code(404).send();
  if (!row.member_exists) return reply.code(400).send();
  return reply.code(204).header('ETag', etag(row)).send();
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
