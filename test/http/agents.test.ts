import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { OutboxStore, type StoredEvent } from '../../src/storage/outbox.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { expectScimError, patchBody, scimTenant, type ScimClient } from '../helpers/scim.js';

// Agents and AgenticApplications (draft-abbey-scim-agent-extension-00 §5) through the same
// protocol as Users and Groups: RFC 7644 §3.3–§3.7, filters, ETags, cursors, events.

const AGENT = 'urn:ietf:params:scim:schemas:core:2.0:Agent';
const APPLICATION = 'urn:ietf:params:scim:schemas:core:2.0:AgenticApplication';

let t: TestApp;
let scim: ScimClient;
const outbox = new OutboxStore();

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'agents');
});
afterAll(() => t.close());

interface Reference {
  value: string;
  $ref: string;
  display?: string;
  type?: string;
}
interface Agent {
  id: string;
  name: string;
  active?: boolean;
  owners?: Reference[];
  parent?: Reference;
  applications?: Reference[];
  meta: { version: string; location: string; resourceType: string };
}

async function agent(client: ScimClient, body: Record<string, unknown>): Promise<Agent> {
  const res = await client.call('POST', '/Agents', { schemas: [AGENT], ...body });
  if (res.statusCode !== 201) throw new Error(`POST /Agents: ${res.statusCode} ${res.body}`);
  return res.json<Agent>();
}

const get = async (client: ScimClient, path: string) => (await client.call('GET', path)).json<Agent>();
const filtered = async (client: ScimClient, type: string, filter: string) =>
  (await client.call('GET', `/${type}?filter=${encodeURIComponent(filter)}`)).json<{
    totalResults: number;
    Resources?: Agent[];
  }>();

describe('Agents (draft-abbey-scim-agent-extension-00 §5.1)', () => {
  it('creates an agent with owners shown with $ref, display and type (RFC 7644 §3.3)', async () => {
    const ada = await scim.createUser({ userName: 'ada@agents.test', displayName: 'Ada' });
    const team = await scim.createGroup({ displayName: 'AI team' });
    const res = await scim.call('POST', '/Agents', {
      schemas: [AGENT],
      name: 'Clippy 2.0',
      externalId: 'clpy2001',
      agentType: 'Assistant',
      owners: [{ value: ada.id }, { value: team.id, type: 'Group' }],
      protocols: [{ type: 'A2A', specificationUrl: 'https://x.test/.well-known/agent-card.json' }],
    });
    expect(res.statusCode).toBe(201);
    const created = res.json<Agent>();
    expect(res.headers['location']).toBe(`${PUBLIC_URL}/scim/v2/${scim.tenantId}/Agents/${created.id}`);
    expect(res.headers['etag']).toBe('W/"1"');
    expect(created.meta.resourceType).toBe('Agent');
    expect(created.owners).toEqual([
      { value: ada.id, type: 'User', $ref: `${scim.base}/Users/${ada.id}`, display: 'Ada' },
      { value: team.id, type: 'Group', $ref: `${scim.base}/Groups/${team.id}`, display: 'AI team' },
    ]);
    expect(await get(scim, `/Agents/${created.id}`)).toEqual(created);
  });

  it('requires name, unique per tenant case-insensitively (§6.1: uniqueness server, caseExact false)', async () => {
    expectScimError(await scim.call('POST', '/Agents', { schemas: [AGENT], agentType: 'x' }), 400, 'invalidValue');
    await agent(scim, { name: 'Helpdesk bot' });
    expectScimError(await scim.call('POST', '/Agents', { schemas: [AGENT], name: 'HELPDESK BOT' }), 409, 'uniqueness');
    const other = await scimTenant(t, 'agents-other');
    await agent(other, { name: 'Helpdesk bot' });
  });

  it('refuses owners that are no User or Group of the tenant, and stores nothing (RFC 7644 §3.12)', async () => {
    const other = await scimTenant(t, 'agents-foreign');
    const foreigner = await other.createUser({ userName: 'foreigner@agents.test' });
    const user = await scim.createUser({ userName: 'typed@agents.test' });
    for (const owners of [
      [{ value: foreigner.id }],
      [{ value: '00000000-0000-4000-8000-000000000000' }],
      [{ value: 'not-a-uuid' }],
      [{ value: user.id, type: 'Group' }],
    ]) {
      const body = expectScimError(
        await scim.call('POST', '/Agents', { schemas: [AGENT], name: 'Refused', owners }),
        400,
        'invalidValue',
      );
      expect(body['detail']).toMatch(/owners\[0\]/);
    }
    expect((await filtered(scim, 'Agents', 'name eq "Refused"')).totalResults).toBe(0);
  });

  it('filters on name, externalId and owners.value (§5.1.2)', async () => {
    const owner = await scim.createUser({ userName: 'owner@filters.agents.test' });
    const made = await agent(scim, { name: 'Filtered', externalId: 'ext-filtered', owners: [{ value: owner.id }] });
    for (const filter of ['name eq "filtered"', 'externalId eq "ext-filtered"', `owners.value eq "${owner.id}"`]) {
      const list = await filtered(scim, 'Agents', filter);
      expect(
        list.Resources?.map((a) => a.id),
        filter,
      ).toEqual([made.id]);
    }
  });

  it('PATCH adds and removes owners, PUT replaces them, and If-Match guards both (RFC 7644 §3.5, §3.14)', async () => {
    const [a, b] = [
      await scim.createUser({ userName: 'a@patch.agents.test' }),
      await scim.createUser({ userName: 'b@patch.agents.test' }),
    ];
    const made = await agent(scim, { name: 'Patched', owners: [{ value: a.id }] });
    const added = await scim.call(
      'PATCH',
      `/Agents/${made.id}`,
      patchBody(
        { op: 'add', path: 'owners', value: [{ value: b.id }] },
        { op: 'replace', path: 'displayName', value: 'P' },
      ),
      { 'if-match': made.meta.version },
    );
    expect(added.statusCode).toBe(200);
    expect(added.json<Agent>().owners?.map((o) => o.value)).toEqual([a.id, b.id]);
    expectScimError(
      await scim.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'remove', path: 'owners' }), {
        'if-match': made.meta.version,
      }),
      412,
    );
    const removed = await scim.call(
      'PATCH',
      `/Agents/${made.id}`,
      patchBody({ op: 'remove', path: `owners[value eq "${a.id}"]` }),
    );
    expect(removed.json<Agent>().owners?.map((o) => o.value)).toEqual([b.id]);
    const put = await scim.call('PUT', `/Agents/${made.id}`, {
      schemas: [AGENT],
      name: 'Patched',
      owners: [{ value: a.id }],
    });
    expect(put.json<Agent>().owners?.map((o) => o.value)).toEqual([a.id]);
    expect((await filtered(scim, 'Agents', `owners.value eq "${b.id}"`)).totalResults).toBe(0);
  });

  it('removes only the owners a "remove" lists by value, and takes $ref and display as providers send them', async () => {
    const [a, b] = [
      await scim.createUser({ userName: 'a@byvalue.agents.test', displayName: 'A' }),
      await scim.createUser({ userName: 'b@byvalue.agents.test' }),
    ];
    const made = await agent(scim, { name: 'By value', owners: [{ value: a.id }, { value: b.id }] });
    const removed = await scim.call(
      'PATCH',
      `/Agents/${made.id}`,
      patchBody({ op: 'remove', path: 'owners', value: [{ value: a.id }] }),
    );
    expect(removed.json<Agent>().owners?.map((o) => o.value)).toEqual([b.id]);
    const added = await scim.call(
      'PATCH',
      `/Agents/${made.id}`,
      patchBody({ op: 'add', path: 'owners', value: [{ value: a.id, display: 'stale name', $ref: 'x' }] }),
    );
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json<Agent>().owners?.find((o) => o.value === a.id)).toEqual({
      value: a.id,
      type: 'User',
      $ref: `${scim.base}/Users/${a.id}`,
      display: 'A',
    });
  });

  it('refuses filters on what is computed on read, which would match nothing (RFC 7644 §3.4.2.2)', async () => {
    for (const filter of ['applications.value eq "x"', 'applications pr', 'owners.display eq "A"', 'parent.$ref pr']) {
      const res = await scim.call('GET', `/Agents?filter=${encodeURIComponent(filter)}`);
      expect(expectScimError(res, 400, 'invalidFilter')['detail'], filter).toMatch(/computed/);
    }
  });

  it('keeps parents, refusing a cycle', async () => {
    const root = await agent(scim, { name: 'Root' });
    const child = await agent(scim, { name: 'Child', parent: { value: root.id } });
    expect(child.parent).toEqual({ value: root.id, $ref: `${scim.base}/Agents/${root.id}`, display: 'Root' });
    const body = expectScimError(
      await scim.call(
        'PATCH',
        `/Agents/${root.id}`,
        patchBody({ op: 'replace', path: 'parent', value: { value: child.id } }),
      ),
      400,
      'invalidValue',
    );
    expect(body['detail']).toMatch(/cycle/);
    expectScimError(
      await scim.call(
        'PATCH',
        `/Agents/${root.id}`,
        patchBody({ op: 'replace', path: 'parent', value: { value: root.id } }),
      ),
      400,
      'invalidValue',
    );
    // Deleting the parent leaves the child without one, never pointing at nothing.
    expect((await scim.call('DELETE', `/Agents/${root.id}`)).statusCode).toBe(204);
    const orphan = await get(scim, `/Agents/${child.id}`);
    expect(orphan.parent).toBeUndefined();
    expect(orphan.meta.version).toBe('W/"2"');
  });

  it('pages with cursors (RFC 9865) and counts agents alone', async () => {
    const tenant = await scimTenant(t, 'agents-paging');
    await tenant.createUser({ userName: 'not-an-agent@paging.test' });
    for (let i = 0; i < 5; i += 1) await agent(tenant, { name: `Paged ${i}` });
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const res = await tenant.call('GET', `/Agents?count=2&cursor=${encodeURIComponent(cursor)}`);
      const page = res.json<{ totalResults: number; Resources: Agent[]; nextCursor?: string }>();
      expect(page.totalResults).toBe(5);
      seen.push(...page.Resources.map((a) => a.name));
      if (page.nextCursor === undefined) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['Paged 0', 'Paged 1', 'Paged 2', 'Paged 3', 'Paged 4']);
  });

  it('is isolated per tenant: another tenant reads, changes and deletes nothing', async () => {
    const made = await agent(scim, { name: 'Private' });
    const other = await scimTenant(t, 'agents-isolated');
    expectScimError(await other.call('GET', `/Agents/${made.id}`), 404);
    expectScimError(await other.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'remove', path: 'owners' })), 404);
    expectScimError(await other.call('DELETE', `/Agents/${made.id}`), 404);
    expect((await filtered(other, 'Agents', 'name pr')).totalResults).toBe(0);
    expectScimError(
      await other.call('POST', '/Agents', { schemas: [AGENT], name: 'Child', parent: { value: made.id } }),
      400,
      'invalidValue',
    );
  });

  it('runs in Bulk (RFC 7644 §3.7)', async () => {
    const res = await scim.call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Agents', bulkId: 'a', data: { schemas: [AGENT], name: 'Bulk agent' } },
        {
          method: 'POST',
          path: '/AgenticApplications',
          bulkId: 'b',
          data: { schemas: [APPLICATION], name: 'Bulk app' },
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const ops = res.json<{ Operations: { status: string; location: string }[] }>().Operations;
    expect(ops.map((o) => o.status)).toEqual(['201', '201']);
    expect(ops[0]?.location).toContain('/Agents/');
    expect(ops[1]?.location).toContain('/AgenticApplications/');
  });

  it('emits agent.created, agent.updated, agent.deactivated, agent.reactivated and agent.deleted', async () => {
    const tenant = await scimTenant(t, 'agents-events');
    const made = await agent(tenant, { name: 'Evented' });
    await tenant.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'replace', path: 'description', value: 'd' }));
    await tenant.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'replace', path: 'active', value: false }));
    await tenant.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'replace', path: 'active', value: true }));
    expectScimError(
      await tenant.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'replace', path: 'name', value: 5 })),
      400,
    );
    await tenant.call('DELETE', `/Agents/${made.id}`);
    const events = await eventsOf(tenant.tenantId);
    expect(events.map((e) => [e.type, e.resourceType, e.changedAttributes])).toEqual([
      ['agent.created', 'Agent', []],
      ['agent.updated', 'Agent', ['description']],
      ['agent.deactivated', 'Agent', ['active']],
      ['agent.reactivated', 'Agent', ['active']],
      ['agent.deleted', 'Agent', []],
    ]);
  });
});

describe('AgenticApplications (draft-abbey-scim-agent-extension-00 §5.2)', () => {
  it('lists agents, which show the application in their read-only applications', async () => {
    const helper = await agent(scim, { name: 'App helper' });
    const res = await scim.call('POST', '/AgenticApplications', {
      schemas: [APPLICATION],
      name: 'Clippy portal',
      applicationUrls: [{ type: 'homepage', value: 'https://clippy.example', primary: true }],
      oAuthConfiguration: [{ clientId: 'clippy', redirectUri: ['https://clippy.example/cb'] }],
      agents: [{ value: helper.id, type: 'owned' }],
    });
    expect(res.statusCode).toBe(201);
    const app = res.json<{ id: string; agents: Reference[] }>();
    expect(app.agents).toEqual([
      { value: helper.id, type: 'owned', $ref: `${scim.base}/Agents/${helper.id}`, display: 'App helper' },
    ]);
    expect((await get(scim, `/Agents/${helper.id}`)).applications).toEqual([
      { value: app.id, $ref: `${scim.base}/AgenticApplications/${app.id}`, display: 'Clippy portal', type: 'owned' },
    ]);
    const byUrl = await filtered(scim, 'AgenticApplications', 'applicationUrls.value eq "https://clippy.example"');
    expect(byUrl.Resources?.map((a) => a.id)).toEqual([app.id]);
    // applications is read-only on the agent: what a client sends there is ignored (RFC 7643 §2.2).
    const put = await scim.call('PUT', `/Agents/${helper.id}`, {
      schemas: [AGENT],
      name: 'App helper',
      applications: [],
    });
    expect(put.json<Agent>().applications?.map((a) => a.value)).toEqual([app.id]);
    // The agent's deletion takes it out of the application, in the same transaction.
    await scim.call('DELETE', `/Agents/${helper.id}`);
    const after = (await scim.call('GET', `/AgenticApplications/${app.id}`)).json<{
      agents?: Reference[];
      meta: { version: string };
    }>();
    expect(after.agents).toBeUndefined();
    expect(after.meta.version).toBe('W/"2"');
  });

  it('refuses agents of another tenant', async () => {
    const other = await scimTenant(t, 'apps-foreign');
    const theirs = await agent(other, { name: 'Theirs' });
    expectScimError(
      await scim.call('POST', '/AgenticApplications', {
        schemas: [APPLICATION],
        name: 'X',
        agents: [{ value: theirs.id }],
      }),
      400,
      'invalidValue',
    );
  });
});

/** The tenant's events: every SCIM write numbers its own before it answers (decision 0007). */
const eventsOf = (tenantId: string): Promise<StoredEvent[]> => outbox.after(sqlOf(t.deps.db), tenantId, 0, 1000);

describe("the June 2026 draft's names, for the app (docs/agents.md)", () => {
  it('maps an agent to agentUserName in the events it emits', async () => {
    const tenant = await scimTenant(t, 'agents-mapped');
    const mapping = {
      Agent: { agentUserName: 'name', displayName: 'displayName', active: 'active', owners: 'owners' },
    };
    const set = await adminClient(t.app, t.adminToken).call(
      'PUT',
      `/admin/v1/tenants/${tenant.tenantId}/attribute-mapping`,
      mapping,
    );
    expect(set.statusCode, set.body).toBe(200);
    const owner = await tenant.createUser({ userName: 'owner@mapped.test' });
    const made = await agent(tenant, { name: 'Support agent', displayName: 'Support', owners: [{ value: owner.id }] });
    const [event] = (await eventsOf(tenant.tenantId)).filter((e) => e.type === 'agent.created');
    expect(event?.resourceId).toBe(made.id);
    expect(event?.mapped).toMatchObject({
      agentUserName: 'Support agent',
      displayName: 'Support',
      owners: [{ value: owner.id }],
    });
    // From a provider, the June name is no attribute of the implemented schema: refused, named.
    const refused = expectScimError(
      await tenant.call('POST', '/Agents', { schemas: [AGENT], agentUserName: 'support-agent' }),
      400,
      'invalidValue',
    );
    expect(refused['detail']).toMatch(/"agentUserName" is not an attribute of Agent/);
  });
});
