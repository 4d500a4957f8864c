import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { buildSearchDocument } from '../src/scim/resource/search-document.js';
import { validateResource } from '../src/scim/resource/validate.js';
import { USER_RESOURCE_TYPE } from '../src/scim/schema/built-in-types.js';

/** The data set the product issue asks for: one tenant of 100k users and a group of 10k of them. */
export const TENANT_ID = 'bench';
export const USER_COUNT = 100_000;
export const GROUP_MEMBER_COUNT = 10_000;

/**
 * Ids are md5 hashes of a name, computed alike here and in SQL, so the load generator knows every
 * seeded id without reading 100k of them back. Postgres casts an md5 hex string to uuid directly.
 */
function uuidOf(name: string): string {
  const hex = createHash('md5').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** User n, 1 ≤ n ≤ USER_COUNT. Users 1..GROUP_MEMBER_COUNT are the group's members. */
export const userId = (n: number): string => uuidOf(`bench-user-${n}`);
export const userName = (n: number): string => `Bench.User${n}@Example.com`;
export const GROUP_ID = uuidOf('bench-group');

/** A range of users that are not members of the group, each to be added to it once. */
export interface UserRange {
  readonly first: number;
  readonly last: number;
}

// The names cycle through these, so documents differ in content as well as in ids.
const GIVEN = ['Barbara', 'John', 'Maria', 'Wei', 'Amara', 'Lars', 'Priya', 'Diego'];
const FAMILY = ['Jensen', 'Smith', 'Garcia', 'Chen', 'Okafor', 'Nilsson', 'Patel', 'Alvarez'];
const sqlArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`;

/*
 * Shaped like what validateResource and buildSearchDocument produce for a typical provisioned user
 * (see sampleUserBody): `document` as written, `search` with lowercased keys and caseExact=false
 * values, and `$pr` listing every present attribute path. created_at is spread out so the
 * (tenant_id, created_at, id) index looks like a real one.
 */
const SEED_USERS = `
INSERT INTO scim_users (tenant_id, id, user_name, external_id, active, document, search, created_at, updated_at)
SELECT $1, md5('bench-user-' || n)::uuid, u.user_name, 'ext-' || n, true,
       jsonb_build_object(
         'schemas', '["urn:ietf:params:scim:schemas:core:2.0:User"]'::jsonb,
         'externalId', 'ext-' || n,
         'userName', u.user_name,
         'name', jsonb_build_object('formatted', u.given || ' ' || u.family, 'familyName', u.family, 'givenName', u.given),
         'displayName', u.given || ' ' || u.family,
         'title', 'Engineer',
         'active', true,
         'emails', jsonb_build_array(jsonb_build_object('value', u.user_name, 'type', 'work', 'primary', true))),
       jsonb_build_object(
         'externalid', 'ext-' || n,
         'username', lower(u.user_name),
         'name', jsonb_build_object('formatted', lower(u.given || ' ' || u.family), 'familyname', lower(u.family), 'givenname', lower(u.given)),
         'displayname', lower(u.given || ' ' || u.family),
         'title', 'engineer',
         'active', true,
         'emails', jsonb_build_array(jsonb_build_object('value', lower(u.user_name), 'type', 'work', 'primary', true)),
         '$pr', '["active","displayname","emails","emails.primary","emails.type","emails.value","externalid","name","name.familyname","name.formatted","name.givenname","title","username"]'::jsonb),
       now() - make_interval(secs => $2 - n), now() - make_interval(secs => $2 - n)
  FROM generate_series(1, $2::int) AS n,
       LATERAL (SELECT 'Bench.User' || n || '@Example.com' AS user_name,
                       (${sqlArray(GIVEN)})[1 + n % ${GIVEN.length}] AS given,
                       (${sqlArray(FAMILY)})[1 + (n / ${GIVEN.length}) % ${FAMILY.length}] AS family) AS u`;

const SEED_GROUP = `
INSERT INTO scim_groups (tenant_id, id, display_name, document, search)
VALUES ($1, $2::uuid, 'Engineering',
        '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering"}'::jsonb,
        '{"displayname":"engineering","$pr":["displayname"]}'::jsonb)`;

// Spread created_at too: the member list is ordered by it.
const SEED_MEMBERS = `
INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type, created_at)
SELECT $1, $2::uuid, md5('bench-user-' || n)::uuid, 'User', now() - make_interval(secs => $3 - n)
  FROM generate_series(1, $3::int) AS n`;

/** Seeds the tenant in a few set-based statements (seconds, where HTTP would take minutes). */
export async function seed(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Index builds and GIN pending-list flushes are the slow part of a bulk insert.
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`SET work_mem = '64MB'`);
    await client.query('BEGIN');
    await client.query(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench')`, [TENANT_ID]);
    await client.query(SEED_USERS, [TENANT_ID, USER_COUNT]);
    await client.query(SEED_GROUP, [TENANT_ID, GROUP_ID]);
    await client.query(SEED_MEMBERS, [TENANT_ID, GROUP_ID, GROUP_MEMBER_COUNT]);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

/** A user as a provider provisions one; the seeded documents copy its shape. */
export function sampleUserBody(name: string, n: number): Record<string, unknown> {
  const given = GIVEN[n % GIVEN.length] ?? 'Barbara';
  const family = FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length] ?? 'Jensen';
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: name,
    externalId: `ext-new-${n}`,
    name: { givenName: given, familyName: family, formatted: `${given} ${family}` },
    displayName: `${given} ${family}`,
    title: 'Engineer',
    active: true,
    emails: [{ value: name, type: 'work', primary: true }],
  };
}

/**
 * Whether seeded user 1 is what the service itself would store for the same request; a mismatch
 * (the document format changed) is reported, since the numbers would then describe other data.
 */
export async function seedShapeDiffers(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ document: unknown; search: unknown }>(
      'SELECT document, search FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid',
      [TENANT_ID, userId(1)],
    );
    const { document } = validateResource(USER_RESOURCE_TYPE, {
      ...sampleUserBody(userName(1), 1),
      externalId: 'ext-1',
    });
    const expected = { document, search: buildSearchDocument(USER_RESOURCE_TYPE, document) };
    const actual = rows[0];
    if (actual !== undefined && isDeepStrictEqual(actual, expected)) return undefined;
    return `seeded:   ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`;
  } finally {
    await client.end();
  }
}
