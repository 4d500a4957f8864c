import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { adminClient } from '../helpers/admin.js';
import { GROUP_SCHEMA, patchBody, scimClient, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

let t: TestApp;
let client: pg.Client;

beforeAll(async () => {
  t = await createTestApp();
  client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await t.close();
});

/** totalResults of an unfiltered list, which is read from the kept count. */
async function listed(scim: ScimClient, type: 'Users' | 'Groups', query = 'count=1'): Promise<number> {
  const res = await scim.call('GET', `/${type}?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ totalResults: number }>().totalResults;
}

/** What count(*) says, as every list counted before the counts were kept. */
async function counted(tenantId: string): Promise<{ users: number; groups: number }> {
  const { rows } = await client.query<{ users: string; groups: string }>(
    `SELECT (SELECT count(*) FROM scim_users WHERE tenant_id = $1 AND deleted_at IS NULL) AS users,
            (SELECT count(*) FROM scim_groups WHERE tenant_id = $1) AS groups`,
    [tenantId],
  );
  return { users: Number(rows[0]?.users), groups: Number(rows[0]?.groups) };
}

async function expectExact(scim: ScimClient): Promise<{ users: number; groups: number }> {
  const truth = await counted(scim.tenantId);
  expect({ users: await listed(scim, 'Users'), groups: await listed(scim, 'Groups') }).toEqual(truth);
  // Every way of asking for the whole tenant: index pages, a page past the end, count=0, cursors.
  expect(await listed(scim, 'Users', 'startIndex=1000000&count=10')).toBe(truth.users);
  expect(await listed(scim, 'Users', 'count=0')).toBe(truth.users);
  expect(await listed(scim, 'Users', 'cursor&count=2')).toBe(truth.users);
  expect(await listed(scim, 'Users', 'sortBy=userName&count=2')).toBe(truth.users);
  return truth;
}

const unfolded = async (tenantId: string) =>
  Number(
    (
      await client.query<{ n: string }>('SELECT count(*) AS n FROM resource_count_deltas WHERE tenant_id = $1', [
        tenantId,
      ])
    ).rows[0]?.n,
  );

describe('totalResults of an unfiltered list comes from a kept count (RFC 7644 §3.4.2)', () => {
  it('follows creates, deactivation, both delete policies and group deletes exactly', async () => {
    const scim = await scimTenant(t, 'counts');
    const users = [];
    for (let n = 0; n < 6; n++) users.push(await scim.createUser({ userName: `count${n}@counts.test` }));
    const group = await scim.createGroup({ displayName: 'Counted', members: [{ value: users[0]?.id }] });
    await scim.createGroup({ displayName: 'Kept' });
    expect(await expectExact(scim)).toEqual({ users: 6, groups: 2 });

    // Deactivation is not deletion: the user is still listed.
    const deactivated = await scim.call(
      'PATCH',
      `/Users/${users[1]?.id}`,
      patchBody({ op: 'replace', path: 'active', value: false }),
    );
    expect(deactivated.statusCode).toBe(200);
    expect((await expectExact(scim)).users).toBe(6);

    expect((await scim.call('DELETE', `/Users/${users[2]?.id}`)).statusCode).toBe(204);
    expect((await expectExact(scim)).users).toBe(5);

    const admin = adminClient(t.app, t.adminToken);
    expect(
      (await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { deletePolicy: 'deactivate' })).statusCode,
    ).toBe(200);
    // Soft-deleted: the row stays, and leaves the count.
    expect((await scim.call('DELETE', `/Users/${users[3]?.id}`)).statusCode).toBe(204);
    expect((await expectExact(scim)).users).toBe(4);

    expect((await scim.call('DELETE', `/Groups/${group.id}`)).statusCode).toBe(204);
    expect(await expectExact(scim)).toEqual({ users: 4, groups: 1 });

    // A failed create counts nothing.
    const duplicate = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'count0@counts.test' });
    expect(duplicate.statusCode).toBe(409);
    expect((await expectExact(scim)).users).toBe(4);
  });

  it('stays exact under concurrent creates and deletes, before and after the sequencer folds them', async () => {
    const scim = await scimTenant(t, 'counts-race');
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, n) => scim.createUser({ userName: `race${n}@counts.test` })),
    );
    await Promise.all([
      ...created.slice(0, 15).map((u) => scim.call('DELETE', `/Users/${u.id}`)),
      ...Array.from({ length: 10 }, (_, n) => scim.createUser({ userName: `late${n}@counts.test` })),
      ...Array.from({ length: 5 }, (_, n) =>
        scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Race ${n}` }),
      ),
    ]);
    expect(await expectExact(scim)).toEqual({ users: 35, groups: 5 });

    // A change made beside the service (an operator's SQL) has no event, so no sequencer turn
    // folds it: it is counted all the same.
    await client.query(`UPDATE scim_users SET deleted_at = now() WHERE tenant_id = $1 AND id = $2`, [
      scim.tenantId,
      created[20]?.id,
    ]);
    expect(await unfolded(scim.tenantId)).toBeGreaterThan(0);
    expect((await expectExact(scim)).users).toBe(34);
    // The next write's turn folds every delta.
    await scim.createUser({ userName: 'folding@counts.test' });
    expect(await unfolded(scim.tenantId)).toBe(0);
    expect((await expectExact(scim)).users).toBe(35);
  });

  it('starts a tenant created again under a deleted one’s id from zero', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const first = await scimTenant(t, 'counts-again');
    for (let n = 0; n < 3; n++) await first.createUser({ userName: `again${n}@counts.test` });
    // Left unfolded on purpose: the deletion must take these too.
    await client.query(
      `INSERT INTO scim_groups (tenant_id, id, display_name, document, search)
                        VALUES ($1, gen_random_uuid(), 'Unfolded', '{}', '{}')`,
      [first.tenantId],
    );
    expect(await unfolded(first.tenantId)).toBe(1);
    expect((await admin.call('DELETE', `/admin/v1/tenants/${first.tenantId}`)).statusCode).toBe(204);
    expect(await unfolded(first.tenantId)).toBe(0);

    await admin.createTenant(first.tenantId);
    const { token } = await admin.issueToken(first.tenantId);
    const again = scimClient(t.app, first.tenantId, token, first.base);
    expect(await expectExact(again)).toEqual({ users: 0, groups: 0 });
  });
});
