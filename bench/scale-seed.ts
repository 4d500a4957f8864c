import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { buildSearchDocument } from '../src/scim/resource/search-document.js';
import { validateResource } from '../src/scim/resource/validate.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/built-in-types.js';
import { USER_DOCUMENT_AND_SEARCH } from './seed.js';

/**
 * The scale bench's data set (scale.ts): many tenants of one shape at different sizes, seeded
 * in set-based SQL with the tables' secondary indexes built once at the end, so a million users
 * take a minute or two instead of the half hour a million HTTP creates would.
 *
 * Every tenant has the shape of bench/seed.ts's: user n is in 1 + n % 3 groups, counting the
 * large ones it is in; the large ones are "Engineering" (users 1 to `largeMembers`, the group
 * the add-a-member load writes to, taking its new members from the users after them), "Sales"
 * (n % 50 = 1) and "Support" (n % 50 = 26); the rest are `teams` teams of about two hundred.
 */
export interface TenantShape {
  readonly id: string;
  readonly name: string;
  readonly users: number;
  /** Engineering's members: users 1..largeMembers. */
  readonly largeMembers: number;
  /** Teams of the tenant; not 1, 2, 337 or 674, so a user's teams (n + 337 j) mod teams differ. */
  readonly teams: number;
}

const uuidOf = (name: string): string => {
  const hex = createHash('md5').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

// Ids are md5 hashes of a name, computed alike here and in SQL (as seed.ts does), so the load
// generator knows every seeded id without reading a million of them back.
export const userId = (tenant: string, n: number): string => uuidOf(`${tenant}:user:${n}`);
export const groupId = (tenant: string, key: string): string => uuidOf(`${tenant}:group:${key}`);
export const LARGE_GROUP_KEY = 'engineering';

// The names cycle through these, so documents differ in content as well as in ids.
const GIVEN = ['Barbara', 'John', 'Maria', 'Wei', 'Amara', 'Lars', 'Priya', 'Diego'];
const FAMILY = ['Jensen', 'Smith', 'Garcia', 'Chen', 'Okafor', 'Nilsson', 'Patel', 'Alvarez'];
const givenOf = (n: number) => GIVEN[n % GIVEN.length] ?? '';
const familyOf = (n: number) => FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length] ?? '';

/**
 * "Maria.Chen4821@users-1m.example.com": each tenant its own mail domain, as each customer has,
 * so names differ across tenants and the planner's statistics on userName are a directory's.
 */
export const userName = (tenant: string, n: number): string => `${givenOf(n)}.${familyOf(n)}${n}@${tenant}.example.com`;
/** A fragment of user n's userName that no other user's in its tenant contains ("chen4821@"). */
export const nameFragment = (n: number): string => `${familyOf(n).toLowerCase()}${n}@`;

/** User n as a provider would create it; the seeded rows are what the service stores for it. */
export function userBody(tenant: string, n: number): Record<string, unknown> {
  const name = userName(tenant, n);
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    externalId: `ext-${n}`,
    userName: name,
    name: { formatted: `${givenOf(n)} ${familyOf(n)}`, familyName: familyOf(n), givenName: givenOf(n) },
    displayName: `${givenOf(n)} ${familyOf(n)}`,
    title: 'Engineer',
    active: true,
    emails: [{ value: name, type: 'work', primary: true }],
  };
}

const sqlArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`;

// $1: the tenants' shapes as a JSON array; every statement below spans all of them.
const SHAPES = `jsonb_to_recordset($1::jsonb) AS s(id text, name text, users int, "largeMembers" int, teams int)`;

const SEED_TENANTS = `INSERT INTO tenants (id, name) SELECT s.id, s.name FROM ${SHAPES}`;

// created_at one second apart in creation order, so the (tenant_id, created_at, id) index that
// cursor paging reads looks like a real one; the search shadow as buildSearchDocument makes it.
const SEED_USERS = `
INSERT INTO scim_users (tenant_id, id, user_name, external_id, active, document, search, created_at, updated_at)
SELECT s.id, md5(s.id || ':user:' || n)::uuid, u.user_name, 'ext-' || n, true,
       ${USER_DOCUMENT_AND_SEARCH},
       now() - make_interval(secs => s.users - n), now() - make_interval(secs => s.users - n)
  FROM ${SHAPES},
       generate_series(1, s.users) AS n,
       LATERAL (SELECT x.given, x.family, x.given || '.' || x.family || n || '@' || s.id || '.example.com' AS user_name
                  FROM (SELECT (${sqlArray(GIVEN)})[1 + n % ${GIVEN.length}] AS given,
                               (${sqlArray(FAMILY)})[1 + (n / ${GIVEN.length}) % ${FAMILY.length}] AS family) AS x) AS u`;

// The large groups, then teams "Team 00001" on, created a minute apart.
const SEED_GROUPS = `
INSERT INTO scim_groups (tenant_id, id, display_name, document, search, created_at, updated_at)
SELECT s.id, md5(s.id || ':group:' || g.key)::uuid, g.name,
       jsonb_build_object('schemas', '["urn:ietf:params:scim:schemas:core:2.0:Group"]'::jsonb, 'displayName', g.name),
       jsonb_build_object('displayname', lower(g.name), '$pr', '["displayname"]'::jsonb),
       now() - make_interval(mins => g.ord), now() - make_interval(mins => g.ord)
  FROM ${SHAPES},
       LATERAL (SELECT * FROM (VALUES ('${LARGE_GROUP_KEY}', 'Engineering', 0), ('sales', 'Sales', 1), ('support', 'Support', 2)) AS l(key, name, ord)
                UNION ALL
                SELECT 'team-' || t, 'Team ' || lpad((t + 1)::text, 5, '0'), t + 10 FROM generate_series(0, s.teams - 1) AS t) AS g`;

// A user's large groups, then its teams up to 1 + n % 3 groups in all (as seed.ts).
const SEED_MEMBERS = `
INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type, created_at)
SELECT s.id, md5(s.id || ':group:' || k.key)::uuid, md5(s.id || ':user:' || n)::uuid, 'User',
       now() - make_interval(secs => s.users - n)
  FROM ${SHAPES},
       generate_series(1, s.users) AS n,
       LATERAL (SELECT '${LARGE_GROUP_KEY}' AS key WHERE n <= s."largeMembers"
                UNION ALL SELECT 'sales' WHERE n % 50 = 1
                UNION ALL SELECT 'support' WHERE n % 50 = 26
                UNION ALL
                SELECT 'team-' || ((n + 337 * j) % s.teams)
                  FROM generate_series(0, greatest(1 + n % 3 - ((n <= s."largeMembers")::int + (n % 50 = 1)::int + (n % 50 = 26)::int), 0) - 1) AS j) AS k`;

/** The bulk-loaded tables: their indexes are dropped for the load and built again after it. */
const LOADED_TABLES = ['scim_users', 'scim_group_members'];

interface IndexDefinition {
  readonly table: string;
  readonly name: string;
  readonly definition: string;
  /** Set for an index that backs a primary key or unique constraint. */
  readonly constraint: string | null;
}

async function indexesOf(client: pg.Client): Promise<IndexDefinition[]> {
  const { rows } = await client.query<IndexDefinition>(
    `SELECT t.relname AS table, c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
            k.contype::text AS constraint
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u')
      WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
      ORDER BY t.relname, c.relname`,
    [LOADED_TABLES],
  );
  return rows;
}

/**
 * Builds the indexes again as the migrations made them, a constraint from its unique index. The
 * constraints come last: ALTER TABLE waits for every index build on the table, also the other
 * connection's.
 */
async function rebuild(client: pg.Client, indexes: readonly IndexDefinition[]): Promise<void> {
  for (const index of indexes) await client.query(index.definition);
  for (const index of indexes) {
    if (index.constraint === null) continue;
    const kind = index.constraint === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
    await client.query(`ALTER TABLE ${index.table} ADD CONSTRAINT ${index.name} ${kind} USING INDEX ${index.name}`);
  }
}

const COUNT_TENANTS = `INSERT INTO resource_counts (tenant_id, resource_type, count)
  SELECT tenant_id, 'User', count(*) FROM scim_users WHERE deleted_at IS NULL GROUP BY tenant_id
  UNION ALL
  SELECT tenant_id, 'Group', count(*) FROM scim_groups GROUP BY tenant_id`;

const connect = async (url: string): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Building a GIN index in memory is the slow part of the seed; the server has room to spare.
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query(`SET work_mem = '256MB'`);
  // Every row is consistent by construction: skipping the per-row foreign-key triggers saves
  // millions of lookups. It needs a superuser, as the local bench server has; without one the
  // checks just run.
  await client.query(`SET session_replication_role = replica`).catch(() => undefined);
  return client;
};

/** What seed() made, for the run's log. */
export interface Seeded {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly seconds: { readonly load: number; readonly indexes: number; readonly analyze: number };
}

/**
 * Seeds the tenants on two connections (users on one, groups and memberships on the other),
 * with the loaded tables' secondary indexes and primary keys dropped during the load and built
 * again after it (the search GIN index on one connection, the b-trees on the other), then
 * vacuums and analyzes, so the planner sees the real sizes.
 */
export async function seedTenants(url: string, shapes: readonly TenantShape[]): Promise<Seeded> {
  const a = await connect(url);
  const b = await connect(url);
  const seconds = (since: number) => (performance.now() - since) / 1000;
  try {
    const json = JSON.stringify(shapes);
    await a.query(SEED_TENANTS, [json]);
    const indexes = await indexesOf(a);
    for (const index of indexes) {
      await a.query(
        index.constraint === null
          ? `DROP INDEX ${index.name}`
          : `ALTER TABLE ${index.table} DROP CONSTRAINT ${index.name}`,
      );
    }
    let started = performance.now();
    const [users, groups, memberships] = await Promise.all([
      a.query(SEED_USERS, [json]),
      (async () => {
        const made = await b.query(SEED_GROUPS, [json]);
        return [made, await b.query(SEED_MEMBERS, [json])] as const;
      })(),
    ]).then(([u, [g, m]]) => [u.rowCount ?? 0, g.rowCount ?? 0, m.rowCount ?? 0]);
    const load = seconds(started);

    started = performance.now();
    const gin = indexes.filter((index) => index.definition.includes('USING gin'));
    await Promise.all([
      rebuild(a, gin),
      rebuild(
        b,
        indexes.filter((index) => !gin.includes(index)),
      ),
    ]);
    const rebuilt = await indexesOf(a);
    if (!isDeepStrictEqual(rebuilt, indexes)) {
      throw new Error(
        `the rebuilt indexes differ from the migrated ones:\n${JSON.stringify(rebuilt)}\n${JSON.stringify(indexes)}`,
      );
    }
    const indexSeconds = seconds(started);

    // The load skipped the triggers that keep each tenant's counts (migration
    // 20261207110000_resource_counts), so the counts are taken once, as that migration does.
    await a.query(COUNT_TENANTS);

    started = performance.now();
    await a.query('VACUUM (ANALYZE) tenants, scim_users, scim_groups, scim_group_members, resource_counts');
    return {
      users: users ?? 0,
      groups: groups ?? 0,
      memberships: memberships ?? 0,
      seconds: { load, indexes: indexSeconds, analyze: seconds(started) },
    };
  } finally {
    await a.end();
    await b.end();
  }
}

/**
 * Whether a seeded user and group are what the service itself stores for the same requests; a
 * mismatch (the document format changed) is reported, since the figures would then describe
 * other data.
 */
export async function scaleShapeDiffers(url: string, tenant: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const user = validateResource(USER_RESOURCE_TYPE, userBody(tenant, 1));
    const group = validateResource(GROUP_RESOURCE_TYPE, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
    });
    const checks = [
      { table: 'scim_users', id: userId(tenant, 1), document: user.document, type: USER_RESOURCE_TYPE },
      {
        table: 'scim_groups',
        id: groupId(tenant, LARGE_GROUP_KEY),
        document: group.document,
        type: GROUP_RESOURCE_TYPE,
      },
    ] as const;
    const problems: string[] = [];
    for (const check of checks) {
      const { rows } = await client.query<{ document: unknown; search: unknown }>(
        `SELECT document, search FROM ${check.table} WHERE tenant_id = $1 AND id = $2::uuid`,
        [tenant, check.id],
      );
      const expected = { document: check.document, search: buildSearchDocument(check.type, check.document) };
      if (!isDeepStrictEqual(rows[0], expected)) {
        problems.push(
          `${check.table} seeded:   ${JSON.stringify(rows[0])}\n${check.table} expected: ${JSON.stringify(expected)}`,
        );
      }
    }
    return problems.length === 0 ? undefined : problems.join('\n');
  } finally {
    await client.end();
  }
}
