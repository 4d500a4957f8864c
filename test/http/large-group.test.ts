import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { patchBody, scimTenant, type ScimClient } from '../helpers/scim.js';

// RFC 7644 §3.5.2 member changes on a large group: stored one row per membership, so adding
// or removing members never rewrites the list (docs/architecture.md, "Memberships").
const MEMBERS = 100_000;
let t: TestApp;
let scim: ScimClient;
let groupId: string;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'large');
  groupId = (await scim.createGroup({ displayName: 'Everyone' })).id;
  await t.deps.db.$executeRawUnsafe(
    `INSERT INTO scim_users (tenant_id, id, user_name, document, search)
     SELECT $1, gen_random_uuid(), 'u' || g || '@large.test',
            jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', 'u' || g || '@large.test'),
            jsonb_build_object('username', 'u' || g || '@large.test', '$pr', jsonb_build_array('username'))
       FROM generate_series(1, ${MEMBERS}) g`,
    scim.tenantId,
  );
  await t.deps.db.$executeRawUnsafe(
    `INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
     SELECT tenant_id, $2::uuid, id, 'User' FROM scim_users WHERE tenant_id = $1`,
    scim.tenantId,
    groupId,
  );
}, 120_000);
afterAll(() => t.close());

describe(`a group of ${MEMBERS} members`, () => {
  it('is read whole, or cheaply without its members', async () => {
    const whole = await scim.call('GET', `/Groups/${groupId}`);
    expect(whole.statusCode).toBe(200);
    expect(whole.json<{ members: unknown[] }>().members).toHaveLength(MEMBERS);
    const light = await scim.call('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(light.json<{ members?: unknown; displayName: string }>()).toEqual(
      expect.objectContaining({ displayName: 'Everyone' }),
    );
    expect(light.json<{ members?: unknown }>().members).toBeUndefined();
  });

  it('takes and loses single members by PATCH, and finds groups by member', async () => {
    const newcomer = await scim.createUser({ userName: 'newcomer@large.test' });
    const add = await scim.call(
      'PATCH',
      `/Groups/${groupId}?excludedAttributes=members`,
      patchBody({ op: 'add', path: 'members', value: [{ value: newcomer.id }] }),
    );
    expect(add.statusCode).toBe(200);
    const found = await scim.call(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members.value eq "${newcomer.id}"`)}&excludedAttributes=members`,
    );
    expect(found.json<{ Resources: { id: string }[] }>().Resources.map((r) => r.id)).toEqual([groupId]);
    const remove = await scim.call(
      'PATCH',
      `/Groups/${groupId}?excludedAttributes=members`,
      patchBody({ op: 'remove', path: `members[value eq "${newcomer.id}"]` }),
    );
    expect(remove.statusCode).toBe(200);
    const rows = await t.deps.db.$queryRawUnsafe<{ n: bigint }[]>(
      'SELECT count(*) AS n FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2::uuid',
      scim.tenantId,
      groupId,
    );
    expect(Number(rows[0]?.n)).toBe(MEMBERS);
  });
});
