import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor, queryFingerprint } from '../../src/scim/cursor.js';
import { formatFilter } from '../../src/scim/filter/format.js';
import { parseListQuery } from '../../src/scim/list-query.js';
import { USER_RESOURCE_TYPE } from '../../src/scim/schema/built-in-types.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { statementsDuring } from '../helpers/pg-statements.js';
import { patchBody, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

// Issue 13, "Reads in one round trip": a user read brings User.groups (RFC 7643 §4.1.2) in the
// statement that reads the user row, and a filter on a unique key reads at most one row, with
// no count, ordering or limit around it.

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  // A token checked once stays cached for the whole file: only the request's own SQL is counted.
  t = await createTestApp({ tokenCacheTtlMs: 600_000 });
  scim = await scimTenant(t, 'reads');
});
afterAll(async () => {
  await t.close();
});

interface UserGroup {
  value: string;
  $ref: string;
  display: string;
  type: string;
}

/**
 * The statements one request sends to the resource tables, once the tenant and token are cached
 * (a first request warmed them). The outbox's own background work, which may run meanwhile, is
 * not the request's.
 */
async function statementsOf(request: () => Promise<unknown>): Promise<string[]> {
  await t.deps.requestLog.flush();
  const sent = await statementsDuring(request);
  return sent.filter((s) => /\b(scim_(users|groups|group_members)|resource_counts)\b/.test(s));
}

const LIMITS = { defaultCount: 100, maxCount: 1000 };
const ref = (groupId: string) => `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Groups/${groupId}`;
const filterQuery = (filter: string) => `filter=${encodeURIComponent(filter)}`;

/** A user in two groups: "Alpha" directly, and "Beta", which holds Alpha, indirectly. */
async function userInTwoGroups(name: string): Promise<{ id: string; alpha: string; beta: string }> {
  const user = await scim.createUser({ userName: `${name}@reads.test` });
  const alpha = await scim.createGroup({ displayName: `${name} Alpha`, members: [{ value: user.id }] });
  const beta = await scim.createGroup({ displayName: `${name} Beta`, members: [{ value: alpha.id, type: 'Group' }] });
  // Warm the tenant and the token, so the counted request is served from their caches.
  expect((await scim.call('GET', `/Users/${user.id}`)).statusCode).toBe(200);
  return { id: user.id, alpha: alpha.id, beta: beta.id };
}

const groupsOf = (name: string, ids: { alpha: string; beta: string }): UserGroup[] => [
  { value: ids.alpha, $ref: ref(ids.alpha), display: `${name} Alpha`, type: 'direct' },
  { value: ids.beta, $ref: ref(ids.beta), display: `${name} Beta`, type: 'indirect' },
];

describe('a user read is one statement, User.groups included (RFC 7643 §4.1.2)', () => {
  it('GET /Users/{id} of a user in two groups', async () => {
    const user = await userInTwoGroups('get');
    let body: { groups?: UserGroup[] } = {};
    const sent = await statementsOf(async () => {
      body = (await scim.call('GET', `/Users/${user.id}`)).json();
    });
    expect(sent).toHaveLength(1);
    expect(body.groups).toEqual(groupsOf('get', user));
  });

  it('GET /Users?filter=userName eq … (RFC 7644 §3.4.2): index and cursor paging alike', async () => {
    const user = await userInTwoGroups('filter');
    for (const paging of ['', '&startIndex=1&count=10', '&cursor=', '&cursor=&count=5']) {
      let body: Record<string, unknown> = {};
      const sent = await statementsOf(async () => {
        body = (await scim.call('GET', `/Users?${filterQuery('userName eq "FILTER@reads.test"')}${paging}`)).json();
      });
      expect(sent, paging).toHaveLength(1);
      expect(body, paging).toMatchObject({ totalResults: 1, itemsPerPage: 1 });
      // RFC 9865: a cursor page has no startIndex.
      expect(body['startIndex'], paging).toBe(paging.includes('cursor') ? undefined : 1);
      expect(body['nextCursor'], paging).toBeUndefined();
      expect((body['Resources'] as { groups: UserGroup[] }[])[0]?.groups).toEqual(groupsOf('filter', user));
    }
  });

  it('a list page reads the groups of the users it shows only, and reads the tenant’s kept count (RFC 7644 §3.4.2.4)', async () => {
    const user = await userInTwoGroups('page');
    for (const query of ['startIndex=1&count=2', 'sortBy=userName&startIndex=2&count=1']) {
      let body: { totalResults?: number; Resources?: { id: string; groups?: UserGroup[] }[] } = {};
      const sent = await statementsOf(async () => {
        body = (await scim.call('GET', `/Users?${query}`)).json();
      });
      // The page cut as ids, read again with groups by primary key; then the tenant's kept count
      // (decision 0009), never a count of its rows.
      expect(sent, query).toHaveLength(2);
      expect(sent[0], query).toMatch(/FROM \(SELECT r\.id FROM scim_users r WHERE/);
      expect(sent[0], query).not.toMatch(/OVER \(\)/);
      expect(sent[1], query).toMatch(/FROM resource_counts c WHERE/);
      expect(sent.join('\n'), query).not.toMatch(/count\(\*\)/);
      expect(body.totalResults, query).toBeGreaterThanOrEqual(1);
    }
    const mine = await scim.call('GET', `/Users?${filterQuery('userName sw "page@"')}&startIndex=1&count=5`);
    expect(mine.json<{ Resources: { groups: UserGroup[] }[] }>().Resources[0]?.groups).toEqual(groupsOf('page', user));
  });

  it('a cursor already past the one row a unique key matches shows none, and still counts it (RFC 9865)', async () => {
    const user = await userInTwoGroups('cursor');
    const created = (await scim.call('GET', `/Users/${user.id}`)).json<{ meta: { created: string } }>().meta.created;
    const filter = 'userName eq "cursor@reads.test"';
    // The cursor the service would issue after this user, in either direction (cursor.ts).
    const cursorAt = (sortOrder: 'ascending' | 'descending') => {
      const query = parseListQuery(USER_RESOURCE_TYPE, { filter, sortOrder, cursor: '' }, LIMITS);
      const fingerprint = queryFingerprint([
        'User',
        query.filter === undefined ? '' : formatFilter(query.filter),
        sortOrder,
      ]);
      return encodeCursor({ createdAt: created, id: user.id }, fingerprint);
    };
    for (const sortOrder of ['ascending', 'descending'] as const) {
      let body: { totalResults?: number; itemsPerPage?: number; Resources?: unknown[]; nextCursor?: string } = {};
      const sent = await statementsOf(async () => {
        body = (
          await scim.call('GET', `/Users?${filterQuery(filter)}&sortOrder=${sortOrder}&cursor=${cursorAt(sortOrder)}`)
        ).json();
      });
      expect(sent).toHaveLength(1);
      expect(body).toEqual(expect.objectContaining({ totalResults: 1, itemsPerPage: 0, Resources: [] }));
      expect(body.nextCursor).toBeUndefined();
    }
  });

  it('PATCH and PUT answer with User.groups read by the write itself: one read, one write', async () => {
    const user = await userInTwoGroups('write');
    let patched: { title?: string; groups?: UserGroup[] } = {};
    const patchSent = await statementsOf(async () => {
      patched = (
        await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: 'Boss' }))
      ).json();
    });
    expect(patchSent).toHaveLength(2);
    // The read before the change reads no membership; the write reads the groups it answers with.
    expect(patchSent[0]).not.toContain('scim_group_members');
    expect(patched).toMatchObject({ title: 'Boss', groups: groupsOf('write', user) });
    let replaced: { title?: string; groups?: UserGroup[] } = {};
    const putSent = await statementsOf(async () => {
      replaced = (
        await scim.call('PUT', `/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'write@reads.test' })
      ).json();
    });
    expect(putSent).toHaveLength(2);
    expect(replaced.title).toBeUndefined();
    expect(replaced.groups).toEqual(groupsOf('write', user));
  });

  it('excludedAttributes=groups reads no membership at all (RFC 7644 §3.4.2.5)', async () => {
    const user = await userInTwoGroups('excluded');
    let body: { groups?: unknown; userName?: string } = {};
    const sent = await statementsOf(async () => {
      body = (await scim.call('GET', `/Users/${user.id}?excludedAttributes=groups`)).json();
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toContain('scim_group_members');
    expect(body).toMatchObject({ userName: 'excluded@reads.test' });
    expect(body.groups).toBeUndefined();
    const listed = await statementsOf(() =>
      scim.call('GET', `/Users?${filterQuery('userName eq "excluded@reads.test"')}&attributes=userName`),
    );
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toContain('scim_group_members');
  });
});

describe('User.groups follows the memberships as they change', () => {
  it('a deleted group leaves the user; its nested group no longer makes an indirect one', async () => {
    const user = await userInTwoGroups('deleted');
    const read = async () => (await scim.call('GET', `/Users/${user.id}`)).json<{ groups?: UserGroup[] }>().groups;
    expect(await read()).toEqual(groupsOf('deleted', user));
    expect((await scim.call('DELETE', `/Groups/${user.beta}`)).statusCode).toBe(204);
    expect(await read()).toEqual([groupsOf('deleted', user)[0]]);
    const gamma = await scim.createGroup({ displayName: 'deleted Gamma', members: [{ value: user.alpha }] });
    expect((await read())?.map((g) => [g.display, g.type])).toEqual([
      ['deleted Alpha', 'direct'],
      ['deleted Gamma', 'indirect'],
    ]);
    // Deleting the direct group cuts the path to Gamma too.
    expect((await scim.call('DELETE', `/Groups/${user.alpha}`)).statusCode).toBe(204);
    expect(await read()).toBeUndefined();
    const listed = (await scim.call('GET', `/Users?${filterQuery(`id eq "${user.id}"`)}`)).json<{
      Resources: { groups?: unknown }[];
    }>();
    expect(listed.Resources[0]?.groups).toBeUndefined();
    expect((await scim.call('GET', `/Groups/${gamma.id}`)).statusCode).toBe(200);
  });

  it('a renamed group shows its new displayName; a deactivated user (soft delete) has none left for the app', async () => {
    const user = await userInTwoGroups('renamed');
    await scim.call(
      'PATCH',
      `/Groups/${user.alpha}`,
      patchBody({ op: 'replace', path: 'displayName', value: 'renamed Gamma' }),
    );
    const body = (await scim.call('GET', `/Users/${user.id}`)).json<{ groups: UserGroup[] }>();
    // Ordered by display, as before: Beta now sorts first.
    expect(body.groups.map((g) => [g.display, g.type])).toEqual([
      ['renamed Beta', 'indirect'],
      ['renamed Gamma', 'direct'],
    ]);
    const admin = adminClient(t.app, t.adminToken);
    const forApp = async () =>
      (await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/users/${user.id}`)).json<{
        user: { groups?: UserGroup[] };
      }>();
    expect((await forApp()).user.groups).toEqual(body.groups);
    expect(
      (await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { deletePolicy: 'deactivate' })).statusCode,
    ).toBe(200);
    expect((await scim.call('DELETE', `/Users/${user.id}`)).statusCode).toBe(204);
    expect((await forApp()).user.groups).toBeUndefined();
    expect((await scim.call('GET', `/Users/${user.id}`)).statusCode).toBe(404);
  });
});
