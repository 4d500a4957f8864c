import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ERROR_SCHEMA,
  MODES,
  PATCH_SCHEMA,
  startBlackBox,
  USER_SCHEMA,
  type BlackBox,
  type Reply,
  type Tenant,
} from './harness.js';

const AGENT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Agent';
const APP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:AgenticApplication';
const LIFECYCLE_SCHEMA = 'urn:scim-provisioning-service:schemas:extension:agent-lifecycle:1.0:Agent';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const BULK_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

interface Ref {
  value: string;
  type?: string;
  $ref?: string;
  display?: string;
}
interface Agent {
  id: string;
  name: string;
  displayName?: string;
  active?: boolean;
  owners?: Ref[];
  applications?: Ref[];
  meta: { version: string; location: string };
}
interface ListBody {
  totalResults: number;
  nextCursor?: string;
  Resources?: { id: string }[];
}
interface ChangeEvent {
  type: string;
  resourceId: string;
}

/**
 * The Agent and AgenticApplication resource types of draft-abbey-scim-agent-extension-00 as a
 * client meets them (docs/agents.md), over TCP in both database modes: discovery, the RFC 7644 §3
 * protocol on /Agents, applications that list agents, tenant isolation, owners that never dangle
 * with the tenant's ownerless-agent policy, and expiry by the background sweep.
 */
describe.each(MODES)('agents from the outside (%s database)', (mode) => {
  let box: BlackBox;

  beforeAll(async () => {
    // A fast sweep, so an agent expires within a test's patience.
    box = await startBlackBox(mode, { env: { AGENT_EXPIRY_SWEEP_MS: '200' } });
  });
  afterAll(async () => {
    await box.stop();
  });

  const create = async <T = { id: string }>(tenant: Tenant, path: string, body: Record<string, unknown>) => {
    const created = await box.scim(tenant, 'POST', path, body);
    expect(created.status, created.text).toBe(201);
    return created.json as T;
  };
  const agent = (tenant: Tenant, name: string, extra: Record<string, unknown> = {}) =>
    create<Agent>(tenant, '/Agents', { schemas: [AGENT_SCHEMA], name, ...extra });
  const user = async (tenant: Tenant, userName: string, displayName?: string) =>
    (await create(tenant, '/Users', { schemas: [USER_SCHEMA], userName, ...(displayName ? { displayName } : {}) })).id;
  const read = async (tenant: Tenant, path: string) => {
    const got = await box.scim(tenant, 'GET', path);
    expect(got.status, got.text).toBe(200);
    return got.json as Agent;
  };
  const patch = (tenant: Tenant, path: string, ops: Record<string, unknown>[], headers?: Record<string, string>) =>
    box.scim(tenant, 'PATCH', path, { schemas: [PATCH_SCHEMA], Operations: ops }, headers);
  const ids = async (tenant: Tenant, path: string) => {
    const got = await box.scim(tenant, 'GET', path);
    expect(got.status, got.text).toBe(200);
    return ((got.json as ListBody).Resources ?? []).map((r) => r.id);
  };
  const filtered = (tenant: Tenant, filter: string) => ids(tenant, `/Agents?filter=${encodeURIComponent(filter)}`);
  const expectError = (reply: Reply, status: number, scimType?: string) => {
    expect(reply.status, reply.text).toBe(status);
    expect(reply.json).toMatchObject({ schemas: [ERROR_SCHEMA], ...(scimType ? { scimType } : {}) });
  };
  const setTenant = async (tenant: Tenant, changes: Record<string, string>) => {
    const changed = await box.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, changes);
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject(changes);
  };
  /** The tenant's events after `after` (a sequence cursor), in order. */
  const eventsAfter = async (tenant: Tenant, after = '0') => {
    const page = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/events?after=${after}&limit=1000`);
    expect(page.status, page.text).toBe(200);
    return page.json as { events: ChangeEvent[]; nextCursor: string };
  };
  const typesOf = (events: ChangeEvent[], ...resourceIds: string[]) =>
    events.filter((e) => resourceIds.includes(e.resourceId)).map((e) => e.type);

  it('advertises agentExtension, both resource types and the Agent schema (draft §4.1, RFC 7644 §4)', async () => {
    const tenant = await box.tenant();
    const config = await box.scim(tenant, 'GET', '/ServiceProviderConfig');
    expect(config.json).toMatchObject({
      agentExtension: { supported: true, agentsSupported: true, agenticApplicationsSupported: true },
    });
    const types = await box.scim(tenant, 'GET', '/ResourceTypes');
    expect(types.status, types.text).toBe(200);
    expect((types.json as { Resources: unknown[] }).Resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'Agent',
          endpoint: '/Agents',
          schema: AGENT_SCHEMA,
          schemaExtensions: [{ schema: LIFECYCLE_SCHEMA, required: false }],
        }),
        expect.objectContaining({ id: 'AgenticApplication', endpoint: '/AgenticApplications', schema: APP_SCHEMA }),
      ]),
    );
    const schema = await box.scim(tenant, 'GET', `/Schemas/${AGENT_SCHEMA}`);
    expect(schema.status, schema.text).toBe(200);
    expect(schema.json).toMatchObject({ id: AGENT_SCHEMA, name: 'Agent' });
    expect((schema.json as { attributes: unknown[] }).attributes).toContainEqual(
      expect.objectContaining({ name: 'name', required: true, uniqueness: 'server' }),
    );
    const lifecycle = await box.scim(tenant, 'GET', `/Schemas/${LIFECYCLE_SCHEMA}`);
    expect(lifecycle.status, lifecycle.text).toBe(200);
    expect(lifecycle.json).toMatchObject({ attributes: [{ name: 'expiresAt', type: 'dateTime' }] });
  });

  it('creates, reads, filters, replaces, patches and deletes an agent, filling in its owners (RFC 7644 §3)', async () => {
    const tenant = await box.tenant();
    const ada = await user(tenant, 'ada@agents.test', 'Ada Lovelace');
    const group = (await create(tenant, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Operators' })).id;
    const posted = await box.scim(tenant, 'POST', '/Agents', {
      schemas: [AGENT_SCHEMA],
      name: 'Support-Bot',
      externalId: 'ext-support',
      displayName: 'Support bot',
      agentType: 'Assistant',
      owners: [{ value: ada }],
      protocols: [{ type: 'MCP-Server', specificationUrl: 'https://bot.agents.test/mcp' }],
    });
    expect(posted.status, posted.text).toBe(201);
    const created = posted.json as Agent;
    expect(posted.headers.get('location')).toBe(`${tenant.base}/Agents/${created.id}`);
    expect(posted.headers.get('etag')).toBe(created.meta.version);
    expect(created.owners).toEqual([
      { value: ada, type: 'User', $ref: `${tenant.base}/Users/${ada}`, display: 'Ada Lovelace' },
    ]);
    const path = `/Agents/${created.id}`;
    expect(await read(tenant, path)).toEqual(created);
    await agent(tenant, 'other-bot');

    // Equality on name (not case-exact) and externalId is RECOMMENDED by the draft (§5.1).
    expect(await filtered(tenant, 'name eq "SUPPORT-bot"')).toEqual([created.id]);
    expect(await filtered(tenant, 'externalId eq "ext-support"')).toEqual([created.id]);
    expect(await filtered(tenant, `owners.value eq "${ada}"`)).toEqual([created.id]);

    const put = await box.scim(tenant, 'PUT', path, {
      schemas: [AGENT_SCHEMA],
      name: 'Support-Bot',
      displayName: 'Support bot v2',
      owners: [{ value: group }],
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ displayName: 'Support bot v2', owners: [{ value: group, type: 'Group' }] });
    expect((put.json as Agent).owners?.[0]).toMatchObject({
      $ref: `${tenant.base}/Groups/${group}`,
      display: 'Operators',
    });

    const patched = await patch(tenant, path, [
      { op: 'replace', path: 'displayName', value: 'Patched bot' },
      { op: 'add', path: 'owners', value: [{ value: ada }] },
    ]);
    expect(patched.status, patched.text).toBe(200);
    const afterAdd = await read(tenant, path);
    expect(afterAdd.displayName).toBe('Patched bot');
    expect((afterAdd.owners ?? []).map((o) => [o.value, o.type]).sort()).toEqual(
      [
        [ada, 'User'],
        [group, 'Group'],
      ].sort(),
    );
    const removed = await patch(tenant, path, [{ op: 'remove', path: `owners[value eq "${group}"]` }]);
    expect(removed.status, removed.text).toBe(200);
    expect((await read(tenant, path)).owners?.map((o) => o.value)).toEqual([ada]);

    // RFC 7644 §3.14: a version that is no longer current is refused, and nothing changes.
    const stale = await patch(tenant, path, [{ op: 'replace', path: 'displayName', value: 'Lost' }], {
      'if-match': created.meta.version,
    });
    expectError(stale, 412);
    expect((await read(tenant, path)).displayName).toBe('Patched bot');

    expect((await box.scim(tenant, 'DELETE', path)).status).toBe(204);
    expect((await box.scim(tenant, 'GET', path)).status).toBe(404);
  });

  it('refuses a duplicate name, a missing name, another tenant’s owner and a parent cycle, storing nothing', async () => {
    const tenant = await box.tenant();
    const other = await box.tenant();
    await agent(tenant, 'unique-bot');
    expectError(
      await box.scim(tenant, 'POST', '/Agents', { schemas: [AGENT_SCHEMA], name: 'UNIQUE-BOT' }),
      409,
      'uniqueness',
    );
    expectError(await box.scim(tenant, 'POST', '/Agents', { schemas: [AGENT_SCHEMA], displayName: 'No name' }), 400);
    const stranger = await user(other, 'stranger@agents.test');
    const foreign = await box.scim(tenant, 'POST', '/Agents', {
      schemas: [AGENT_SCHEMA],
      name: 'foreign-owned',
      owners: [{ value: stranger }],
    });
    expectError(foreign, 400, 'invalidValue');
    expect(await filtered(tenant, 'name eq "foreign-owned"')).toEqual([]);
    expect(await ids(tenant, '/Agents')).toHaveLength(1);

    const child = await agent(tenant, 'child-bot');
    const parent = await agent(tenant, 'parent-bot');
    const adopted = await patch(tenant, `/Agents/${child.id}`, [
      { op: 'replace', path: 'parent', value: { value: parent.id } },
    ]);
    expect(adopted.status, adopted.text).toBe(200);
    const cycle = await patch(tenant, `/Agents/${parent.id}`, [
      { op: 'replace', path: 'parent', value: { value: child.id } },
    ]);
    expectError(cycle, 400);
    expect((await read(tenant, `/Agents/${parent.id}`)) as unknown).not.toHaveProperty('parent');
  });

  it('pages agents by cursor, each once, with nextCursor until the last page (RFC 9865 §2)', async () => {
    const tenant = await box.tenant();
    const made: string[] = [];
    for (let n = 0; n < 5; n += 1) made.push((await agent(tenant, `paged-${n}`)).id);
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 3; page += 1) {
      const got = await box.scim(tenant, 'GET', `/Agents?cursor=${encodeURIComponent(cursor)}&count=2`);
      expect(got.status, got.text).toBe(200);
      const body = got.json as ListBody;
      expect(body.totalResults).toBe(5);
      seen.push(...(body.Resources ?? []).map((r) => r.id));
      if (page < 2) cursor = body.nextCursor ?? '';
      else expect(body.nextCursor).toBeUndefined();
    }
    expect(seen.sort()).toEqual(made.sort());
  });

  it('creates an agent and an application naming it by bulkId in one Bulk request (RFC 7644 §3.7.2)', async () => {
    const tenant = await box.tenant();
    const bulk = await box.scim(tenant, 'POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: [
        { method: 'POST', path: '/Agents', bulkId: 'bot', data: { schemas: [AGENT_SCHEMA], name: 'bulk-bot' } },
        {
          method: 'POST',
          path: '/AgenticApplications',
          bulkId: 'app',
          data: { schemas: [APP_SCHEMA], name: 'Bulk app', agents: [{ value: 'bulkId:bot', type: 'owned' }] },
        },
      ],
    });
    expect(bulk.status, bulk.text).toBe(200);
    const ops = (bulk.json as { Operations: { status: string; location: string }[] }).Operations;
    expect(ops.map((o) => o.status)).toEqual(['201', '201']);
    const [agentId, appId] = ops.map((o) => o.location.split('/').at(-1) ?? '');
    expect(ops[0]?.location).toBe(`${tenant.base}/Agents/${agentId ?? ''}`);
    expect(ops[1]?.location).toBe(`${tenant.base}/AgenticApplications/${appId ?? ''}`);
    const got = await read(tenant, `/Agents/${agentId ?? ''}`);
    expect(got.applications).toMatchObject([{ value: appId, type: 'owned' }]);
  });

  it('shows an application in its agents’ applications, and drops a deleted agent from it (draft §5.2)', async () => {
    const tenant = await box.tenant();
    const bot = await agent(tenant, 'app-bot');
    const app = await create(tenant, '/AgenticApplications', {
      schemas: [APP_SCHEMA],
      name: 'Helpdesk',
      oAuthConfiguration: [{ clientId: 'helpdesk-client', redirectUri: ['https://helpdesk.agents.test/cb'] }],
      agents: [{ value: bot.id, type: 'authorized' }],
    });
    expect(app).toMatchObject({
      oAuthConfiguration: [{ clientId: 'helpdesk-client', redirectUri: ['https://helpdesk.agents.test/cb'] }],
      agents: [{ value: bot.id, type: 'authorized', $ref: `${tenant.base}/Agents/${bot.id}` }],
    });
    expect((await read(tenant, `/Agents/${bot.id}`)).applications).toEqual([
      expect.objectContaining({
        value: app.id,
        type: 'authorized',
        $ref: `${tenant.base}/AgenticApplications/${app.id}`,
      }),
    ]);
    const { nextCursor } = await eventsAfter(tenant);
    expect((await box.scim(tenant, 'DELETE', `/Agents/${bot.id}`)).status).toBe(204);
    expect(((await read(tenant, `/AgenticApplications/${app.id}`)) as { agents?: Ref[] }).agents ?? []).toEqual([]);
    await vi.waitFor(async () => {
      expect(typesOf((await eventsAfter(tenant, nextCursor)).events, bot.id, app.id)).toEqual([
        'agent.deleted',
        'agentic_application.updated',
      ]);
    });
  });

  it('hides a tenant’s agents from another tenant’s token (404, empty lists)', async () => {
    const owner = await box.tenant();
    const other = await box.tenant();
    const bot = await agent(owner, 'private-bot');
    await create(owner, '/AgenticApplications', { schemas: [APP_SCHEMA], name: 'Private app' });
    const path = `/Agents/${bot.id}`;
    expect((await box.scim(other, 'GET', path)).status).toBe(404);
    expect((await patch(other, path, [{ op: 'replace', path: 'displayName', value: 'Taken' }])).status).toBe(404);
    expect((await box.scim(other, 'DELETE', path)).status).toBe(404);
    expect(await ids(other, '/Agents')).toEqual([]);
    expect(await ids(other, '/AgenticApplications')).toEqual([]);
    expect(await filtered(other, 'name eq "private-bot"')).toEqual([]);
    const intact = await read(owner, path);
    expect(intact.displayName).toBeUndefined();
    expect(intact.meta.version).toBe(bot.meta.version);
  });

  it('drops a deleted owner and deactivates the agent it leaves ownerless, by default (docs/agents.md)', async () => {
    const tenant = await box.tenant();
    const ada = await user(tenant, 'ada@owners.test');
    const alan = await user(tenant, 'alan@owners.test');
    const group = (await create(tenant, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Owners' })).id;
    const sole = await agent(tenant, 'sole-owned', { active: true, owners: [{ value: ada }] });
    const shared = await agent(tenant, 'shared-owned', { active: true, owners: [{ value: ada }, { value: group }] });
    const byAlan = await agent(tenant, 'alan-owned', { active: true, owners: [{ value: alan }] });
    const byGroup = await agent(tenant, 'group-owned', { active: true, owners: [{ value: group }] });

    const before = (await eventsAfter(tenant)).nextCursor;
    expect((await box.scim(tenant, 'DELETE', `/Users/${ada}`)).status).toBe(204);
    const soleNow = await read(tenant, `/Agents/${sole.id}`);
    expect(soleNow.active).toBe(false);
    expect(soleNow.owners ?? []).toEqual([]);
    const sharedNow = await read(tenant, `/Agents/${shared.id}`);
    expect(sharedNow.active).toBe(true);
    expect(sharedNow.owners?.map((o) => o.value)).toEqual([group]);
    await vi.waitFor(async () => {
      const { events } = await eventsAfter(tenant, before);
      expect(typesOf(events, ada, sole.id)).toEqual(['user.deleted', 'agent.updated', 'agent.deactivated']);
      expect(typesOf(events, shared.id)).toEqual(['agent.updated']);
      expect(events.map((e) => e.type).indexOf('user.deleted')).toBe(0);
    });

    // A deactivated owner is deprovisioned too: the agent follows, its owner kept.
    const deactivated = await patch(tenant, `/Users/${alan}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(deactivated.status, deactivated.text).toBe(200);
    expect(await read(tenant, `/Agents/${byAlan.id}`)).toMatchObject({ active: false, owners: [{ value: alan }] });

    // A deleted owner group leaves both agents it owned without owners.
    expect((await box.scim(tenant, 'DELETE', `/Groups/${group}`)).status).toBe(204);
    expect(await read(tenant, `/Agents/${byGroup.id}`)).toMatchObject({ active: false });
    expect(await read(tenant, `/Agents/${shared.id}`)).toMatchObject({ active: false });
  });

  it('keeps references whole and answers no 500 when concurrent clients race deletions and writes', async () => {
    const tenant = await box.tenant();
    for (let round = 0; round < 6; round += 1) {
      const u = await user(tenant, `u${round}@race.test`);
      const v = await user(tenant, `v${round}@race.test`);
      const w = await user(tenant, `w${round}@race.test`);
      const raced = await agent(tenant, `raced-${round}`, { owners: [{ value: u }, { value: v }] });
      const off = [{ op: 'replace', path: 'active', value: false }];
      // A write adding an owner being deleted, and both remaining owners deprovisioned at once.
      const answers = await Promise.all([
        patch(tenant, `/Agents/${raced.id}`, [{ op: 'add', path: 'owners', value: [{ value: w }] }]),
        box.scim(tenant, 'DELETE', `/Users/${w}`),
        patch(tenant, `/Users/${u}`, off),
        patch(tenant, `/Users/${v}`, off),
      ]);
      for (const answer of answers) expect(answer.status, answer.text).toBeLessThan(500);
      const now = await read(tenant, `/Agents/${raced.id}`);
      // No owner of it is gone, and with every owner inactive the default policy deactivated it.
      expect(now.owners?.map((o) => o.value).sort()).toEqual([u, v].sort());
      expect(now.active, `round ${round}`).toBe(false);
    }
  });

  it('keeps an ownerless agent active under ownerlessAgents "keep"', async () => {
    const tenant = await box.tenant();
    await setTenant(tenant, { ownerlessAgents: 'keep' });
    const ada = await user(tenant, 'ada@keep.test');
    const bot = await agent(tenant, 'kept-bot', { active: true, owners: [{ value: ada }] });
    const before = (await eventsAfter(tenant)).nextCursor;
    expect((await box.scim(tenant, 'DELETE', `/Users/${ada}`)).status).toBe(204);
    const now = await read(tenant, `/Agents/${bot.id}`);
    expect(now.active).toBe(true);
    expect(now.owners ?? []).toEqual([]);
    await vi.waitFor(async () => {
      expect(typesOf((await eventsAfter(tenant, before)).events, ada, bot.id)).toEqual([
        'user.deleted',
        'agent.updated',
      ]);
    });
  });

  const expiring = (tenant: Tenant, name: string, inMs: number) =>
    agent(tenant, name, {
      schemas: [AGENT_SCHEMA, LIFECYCLE_SCHEMA],
      active: true,
      [LIFECYCLE_SCHEMA]: { expiresAt: new Date(Date.now() + inMs).toISOString() },
    });

  it('deactivates an expired agent under deletePolicy "deactivate", and no other', async () => {
    const tenant = await box.tenant();
    await setTenant(tenant, { deletePolicy: 'deactivate' });
    const bot = await expiring(tenant, 'expiring-bot', 1_000);
    const later = await expiring(tenant, 'later-bot', 3_600_000);
    expect(bot.active).toBe(true);
    await vi.waitFor(
      async () => {
        expect((await read(tenant, `/Agents/${bot.id}`)).active).toBe(false);
        expect(typesOf((await eventsAfter(tenant)).events, bot.id)).toEqual(['agent.created', 'agent.deactivated']);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect((await read(tenant, `/Agents/${later.id}`)).active).toBe(true);
  });

  it('deletes an expired agent under deletePolicy "delete" (the default)', async () => {
    const tenant = await box.tenant();
    const bot = await expiring(tenant, 'doomed-bot', 1_000);
    expect((await box.scim(tenant, 'GET', `/Agents/${bot.id}`)).status).toBe(200);
    await vi.waitFor(
      async () => {
        expect((await box.scim(tenant, 'GET', `/Agents/${bot.id}`)).status).toBe(404);
        expect(typesOf((await eventsAfter(tenant)).events, bot.id)).toEqual(['agent.created', 'agent.deleted']);
      },
      { timeout: 10_000, interval: 200 },
    );
  });
});
