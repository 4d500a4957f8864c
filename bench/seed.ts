import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { buildSearchDocument } from '../src/scim/resource/search-document.js';
import { validateResource } from '../src/scim/resource/validate.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/built-in-types.js';

/**
 * The data set: one tenant of 100k users, each in 1–3 groups, as a directory's are: a thousand
 * teams of about two hundred, two groups of 2k, and the 10k-member group the add-a-member load
 * writes to. Every user has groups, so every User read and PATCH returns `groups` (RFC 7643
 * §4.1.2) and pays for finding them.
 */
export const TENANT_ID = 'bench';
export const USER_COUNT = 100_000;
export const GROUP_MEMBER_COUNT = 10_000;
export const TEAM_COUNT = 1_000;

/**
 * Ids are md5 hashes of a name, computed alike here and in SQL, so the load generator knows every
 * seeded id without reading 100k of them back. Postgres casts an md5 hex string to uuid directly.
 */
function uuidOf(name: string): string {
  const hex = createHash('md5').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** User n, 1 ≤ n ≤ USER_COUNT. Users 1..GROUP_MEMBER_COUNT are the 10k group's members. */
export const userId = (n: number): string => uuidOf(`bench-user-${n}`);
export const userName = (n: number): string => `Bench.User${n}@Example.com`;
/** The 10k-member group that "PATCH /Groups add 1 of 10k" adds to. */
export const GROUP_ID = uuidOf('bench-group');

/**
 * The large groups, each with its members as a condition on the user's number `n`. Only
 * Engineering's members are a range: the add-a-member load takes its new members from the users
 * after it.
 */
const LARGE_GROUPS = [
  { key: 'bench-group', displayName: 'Engineering', members: `n <= ${GROUP_MEMBER_COUNT}` },
  { key: 'bench-group-sales', displayName: 'Sales', members: 'n % 50 = 1' },
  { key: 'bench-group-support', displayName: 'Support', members: 'n % 50 = 26' },
] as const;

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
/**
 * A seeded user's document and search columns, as the service stores them for the same request
 * (checked by seedShapeDiffers), for user number `n` with the row `u` (user_name, given,
 * family); scale-seed.ts seeds the same shape.
 */
export const USER_DOCUMENT_AND_SEARCH = `jsonb_build_object(
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
         '$pr', '["active","displayname","emails","emails.primary","emails.type","emails.value","externalid","name","name.familyname","name.formatted","name.givenname","title","username"]'::jsonb)`;

const SEED_USERS = `
INSERT INTO scim_users (tenant_id, id, user_name, external_id, active, document, search, created_at, updated_at)
SELECT $1, md5('bench-user-' || n)::uuid, u.user_name, 'ext-' || n, true,
       ${USER_DOCUMENT_AND_SEARCH},
       now() - make_interval(secs => $2 - n), now() - make_interval(secs => $2 - n)
  FROM generate_series(1, $2::int) AS n,
       LATERAL (SELECT 'Bench.User' || n || '@Example.com' AS user_name,
                       (${sqlArray(GIVEN)})[1 + n % ${GIVEN.length}] AS given,
                       (${sqlArray(FAMILY)})[1 + (n / ${GIVEN.length}) % ${FAMILY.length}] AS family) AS u`;

/** A group as the service stores one created with only a displayName (see seedShapeDiffers). */
const groupRow = (name: string) => `jsonb_build_object(
         'schemas', '["urn:ietf:params:scim:schemas:core:2.0:Group"]'::jsonb, 'displayName', ${name}),
       jsonb_build_object('displayname', lower(${name}), '$pr', '["displayname"]'::jsonb)`;

// The large groups, then teams "Team 0001" to "Team 1000", created a minute apart.
const SEED_GROUPS = `
INSERT INTO scim_groups (tenant_id, id, display_name, document, search, created_at, updated_at)
SELECT $1, md5(g.key)::uuid, g.name, ${groupRow('g.name')},
       now() - make_interval(mins => g.ord), now() - make_interval(mins => g.ord)
  FROM (SELECT * FROM jsonb_to_recordset($2::jsonb) AS l(key text, name text, ord int)
        UNION ALL
        SELECT 'bench-team-' || t, 'Team ' || lpad((t + 1)::text, 4, '0'), t + 10
          FROM generate_series(0, $3::int - 1) AS t) AS g`;

// Spread created_at too: a group's member list is ordered by it.
const memberCreatedAt = `now() - make_interval(secs => $2 - n)`;
const LARGE_MEMBERS = LARGE_GROUPS.map(
  (group) => `
INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type, created_at)
SELECT $1, md5('${group.key}')::uuid, md5('bench-user-' || n)::uuid, 'User', ${memberCreatedAt}
  FROM generate_series(1, $2::int) AS n WHERE ${group.members}`,
);

/*
 * User n is in 1 + n % 3 groups, counting the large ones it is in (a user of two large groups
 * and no team is in two); the rest are teams (n + 337 j) mod TEAM_COUNT for j = 0, 1, 2, distinct
 * for one user since 337 and 674 are not multiples of TEAM_COUNT. Inserted in primary-key order,
 * so the b-tree fills page after page instead of at random: the seed's second-slowest step.
 */
const largeCount = LARGE_GROUPS.map((group) => `(${group.members})::int`).join(' + ');
const TEAM_MEMBERS = `
INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type, created_at)
SELECT $1, md5('bench-team-' || ((n + 337 * j) % $3))::uuid, md5('bench-user-' || n)::uuid, 'User', ${memberCreatedAt}
  FROM generate_series(1, $2::int) AS n,
       generate_series(0, greatest(1 + n % 3 - (${largeCount}), 0) - 1) AS j
 ORDER BY 2, 3`;

/** What seed() made, for the run's log. */
export interface Seeded {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  /** Each large group's displayName and member count. */
  readonly large: readonly { readonly displayName: string; readonly members: number }[];
}

/** Seeds the tenant in a few set-based statements (seconds, where HTTP would take minutes). */
export async function seed(url: string): Promise<Seeded> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Index builds and GIN pending-list flushes are the slow part of a bulk insert.
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`SET work_mem = '64MB'`);
    await client.query('BEGIN');
    await client.query(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench')`, [TENANT_ID]);
    const users = await client.query(SEED_USERS, [TENANT_ID, USER_COUNT]);
    const large = LARGE_GROUPS.map((g, ord) => ({ key: g.key, name: g.displayName, ord }));
    const groups = await client.query(SEED_GROUPS, [TENANT_ID, JSON.stringify(large), TEAM_COUNT]);
    const largeMembers: number[] = [];
    for (const sql of LARGE_MEMBERS)
      largeMembers.push((await client.query(sql, [TENANT_ID, USER_COUNT])).rowCount ?? 0);
    const teams = await client.query(TEAM_MEMBERS, [TENANT_ID, USER_COUNT, TEAM_COUNT]);
    // The rows' triggers left one count delta each; the sequencer would fold them on its first
    // turn, which a read-only run never causes (migration 20261207110000_resource_counts).
    await client.query('SELECT scim_fold_counts($1)', [TENANT_ID]);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE');
    return {
      users: users.rowCount ?? 0,
      groups: groups.rowCount ?? 0,
      memberships: largeMembers.reduce((a, b) => a + b, 0) + (teams.rowCount ?? 0),
      large: LARGE_GROUPS.map((g, i) => ({ displayName: g.displayName, members: largeMembers[i] ?? 0 })),
    };
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

/** The stored columns of one seeded row and what the service would store for the same request. */
async function differs(
  client: pg.Client,
  table: 'scim_users' | 'scim_groups',
  id: string,
  expected: { document: unknown; search: unknown },
): Promise<string | undefined> {
  const { rows } = await client.query<{ document: unknown; search: unknown }>(
    `SELECT document, search FROM ${table} WHERE tenant_id = $1 AND id = $2::uuid`,
    [TENANT_ID, id],
  );
  const actual = rows[0];
  if (actual !== undefined && isDeepStrictEqual(actual, expected)) return undefined;
  return `${table} seeded:   ${JSON.stringify(actual)}\n${table} expected: ${JSON.stringify(expected)}`;
}

/**
 * Whether seeded user 1 and the seeded groups are what the service itself would store for the
 * same requests; a mismatch (the document format changed) is reported, since the numbers would
 * then describe other data.
 */
export async function seedShapeDiffers(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const user = validateResource(USER_RESOURCE_TYPE, { ...sampleUserBody(userName(1), 1), externalId: 'ext-1' });
    const group = validateResource(GROUP_RESOURCE_TYPE, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
    });
    const problems = [
      await differs(client, 'scim_users', userId(1), {
        document: user.document,
        search: buildSearchDocument(USER_RESOURCE_TYPE, user.document),
      }),
      await differs(client, 'scim_groups', GROUP_ID, {
        document: group.document,
        search: buildSearchDocument(GROUP_RESOURCE_TYPE, group.document),
      }),
    ].filter((problem) => problem !== undefined);
    return problems.length === 0 ? undefined : problems.join('\n');
  } finally {
    await client.end();
  }
}
