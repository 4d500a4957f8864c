import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/storage/migrate.js';
import { sqlOf } from '../../src/storage/db.js';
import { startEmbeddedDatabase, type DatabaseServer } from '../../src/storage/embedded.js';
import { OutboxStore, type StoredEvent } from '../../src/storage/outbox.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectScimError, patchBody, scimTenant, type ScimClient } from '../helpers/scim.js';

// What happens to agents without a client asking (issue 15): owners that leave SCIM, the
// tenant's ownerless-agent policy, and expiry, driven by a clock the test moves.

const AGENT = 'urn:ietf:params:scim:schemas:core:2.0:Agent';
const APPLICATION = 'urn:ietf:params:scim:schemas:core:2.0:AgenticApplication';
const LIFECYCLE = 'urn:scim-provisioning-service:schemas:extension:agent-lifecycle:1.0:Agent';

let t: TestApp;
let now = new Date('2031-01-01T00:00:00Z');
const outbox = new OutboxStore();

beforeAll(async () => {
  t = await createTestApp({ clock: () => now });
});
afterAll(() => t.close());

interface Agent {
  id: string;
  active?: boolean;
  owners?: { value: string }[];
  meta: { version: string };
}

async function tenant(settings: Record<string, string> = {}): Promise<ScimClient> {
  const scim = await scimTenant(t, 'lifecycle');
  if (Object.keys(settings).length > 0) {
    const res = await adminClient(t.app, t.adminToken).call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, settings);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject(settings);
  }
  return scim;
}

async function agent(scim: ScimClient, body: Record<string, unknown>): Promise<Agent> {
  const res = await scim.call('POST', '/Agents', { schemas: [AGENT, LIFECYCLE], ...body });
  if (res.statusCode !== 201) throw new Error(`POST /Agents: ${res.statusCode} ${res.body}`);
  return res.json<Agent>();
}

const read = async (scim: ScimClient, id: string) => (await scim.call('GET', `/Agents/${id}`)).json<Agent>();

/** The tenant's events after `after`, once the sequencer numbered everything written so far. */
async function events(scim: ScimClient, after = 0): Promise<StoredEvent[]> {
  await t.deps.sequencer.settle(scim.tenantId);
  return outbox.after(sqlOf(t.deps.db), scim.tenantId, after, 1000);
}
const lastSequence = async (scim: ScimClient) => (await events(scim)).at(-1)?.sequence ?? 0;
const summary = (list: StoredEvent[]) => list.map((e) => [e.type, e.resourceId, e.changedAttributes]);

describe('owners leaving SCIM', () => {
  it.each(['delete', 'deactivate'])(
    'a deleted owner (delete policy %s) leaves every agent, and a last owner deactivates it, in its transaction',
    async (deletePolicy) => {
      const scim = await tenant({ deletePolicy });
      const ada = await scim.createUser({ userName: 'ada@owners.test' });
      const bob = await scim.createUser({ userName: 'bob@owners.test' });
      const alone = await agent(scim, { name: 'Owned by Ada', owners: [{ value: ada.id }] });
      const shared = await agent(scim, { name: 'Owned by both', owners: [{ value: ada.id }, { value: bob.id }] });
      const unowned = await agent(scim, { name: 'Never owned' });
      const before = await lastSequence(scim);
      expect((await scim.call('DELETE', `/Users/${ada.id}`)).statusCode).toBe(204);
      const [first, second] = [alone.id, shared.id].sort();
      const userEvent = deletePolicy === 'delete' ? 'user.deleted' : 'user.deactivated';
      expect(summary(await events(scim, before))).toEqual([
        [userEvent, ada.id, expect.any(Array)],
        ['agent.updated', first, ['owners']],
        ['agent.updated', second, ['owners']],
        ['agent.deactivated', alone.id, ['active']],
      ]);
      expect(await read(scim, alone.id)).toMatchObject({ active: false });
      expect((await read(scim, alone.id)).owners).toBeUndefined();
      const still = await read(scim, shared.id);
      expect(still.active).toBeUndefined();
      expect(still.owners?.map((o) => o.value)).toEqual([bob.id]);
      expect((await read(scim, unowned.id)).active).toBeUndefined();
    },
  );

  it('a deactivated owner deactivates agents it alone kept, not those another active user or a group keeps', async () => {
    const scim = await tenant();
    const ada = await scim.createUser({ userName: 'ada@deactivated.test' });
    const bob = await scim.createUser({ userName: 'bob@deactivated.test' });
    const team = await scim.createGroup({ displayName: 'Keepers' });
    const alone = await agent(scim, { name: 'Alone', owners: [{ value: ada.id }] });
    const withBob = await agent(scim, { name: 'With Bob', owners: [{ value: ada.id }, { value: bob.id }] });
    const withGroup = await agent(scim, { name: 'With group', owners: [{ value: ada.id }, { value: team.id }] });
    const before = await lastSequence(scim);
    await scim.call('PATCH', `/Users/${ada.id}`, patchBody({ op: 'replace', path: 'active', value: false }));
    expect(summary(await events(scim, before))).toEqual([
      ['user.deactivated', ada.id, ['active']],
      ['agent.deactivated', alone.id, ['active']],
    ]);
    expect((await read(scim, withBob.id)).active).toBeUndefined();
    expect((await read(scim, withGroup.id)).active).toBeUndefined();
    // Ada stays an owner: she still exists, only inactive.
    expect((await read(scim, alone.id)).owners?.map((o) => o.value)).toEqual([ada.id]);
    // Bob's deactivation now leaves "With Bob" with no active owner.
    await scim.call('PUT', `/Users/${bob.id}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'bob@deactivated.test',
      active: false,
    });
    expect((await read(scim, withBob.id)).active).toBe(false);
  });

  it('a deleted group owner counts as deprovisioned; the tenant\'s policy "keep" leaves agents active', async () => {
    const deactivating = await tenant();
    const keeping = await tenant({ ownerlessAgents: 'keep' });
    for (const [scim, expected] of [
      [deactivating, false],
      [keeping, undefined],
    ] as const) {
      const team = await scim.createGroup({ displayName: 'Owners' });
      const ada = await scim.createUser({ userName: 'ada@policy.test' });
      const byGroup = await agent(scim, { name: 'By group', owners: [{ value: team.id }] });
      const byUser = await agent(scim, { name: 'By user', owners: [{ value: ada.id }] });
      await scim.call('DELETE', `/Groups/${team.id}`);
      await scim.call('PATCH', `/Users/${ada.id}`, patchBody({ op: 'replace', path: 'active', value: false }));
      expect((await read(scim, byGroup.id)).active).toBe(expected);
      expect((await read(scim, byGroup.id)).owners).toBeUndefined();
      expect((await read(scim, byUser.id)).active).toBe(expected);
    }
  });
});

describe('expiry (agent-lifecycle extension expiresAt), with the clock moved by the test', () => {
  it('deactivates an expired agent under the delete policy "deactivate", once, with agent.deactivated', async () => {
    const scim = await tenant({ deletePolicy: 'deactivate' });
    now = new Date('2031-01-01T00:00:00Z');
    const made = await agent(scim, { name: 'Temporary', [LIFECYCLE]: { expiresAt: '2031-01-01T00:10:00Z' } });
    const before = await lastSequence(scim);
    now = new Date('2031-01-01T00:09:59Z');
    await t.deps.agentLifecycle.sweep();
    expect((await read(scim, made.id)).active).toBeUndefined();
    now = new Date('2031-01-01T00:10:00Z');
    await t.deps.agentLifecycle.sweep();
    await t.deps.agentLifecycle.sweep();
    expect(await read(scim, made.id)).toMatchObject({
      active: false,
      [LIFECYCLE]: { expiresAt: '2031-01-01T00:10:00Z' },
    });
    expect(summary(await events(scim, before))).toEqual([['agent.deactivated', made.id, ['active']]]);
  });

  it('deletes an expired agent under the delete policy "delete", taking it out of its applications', async () => {
    const scim = await tenant({ deletePolicy: 'delete' });
    now = new Date('2031-02-01T00:00:00Z');
    const made = await agent(scim, { name: 'Ephemeral', [LIFECYCLE]: { expiresAt: '2031-02-01T01:00:00+01:00' } });
    const app = (
      await scim.call('POST', '/AgenticApplications', {
        schemas: [APPLICATION],
        name: 'Host',
        agents: [{ value: made.id }],
      })
    ).json<{ id: string }>();
    const before = await lastSequence(scim);
    await t.deps.agentLifecycle.sweep(new Date('2031-02-01T00:00:00Z'));
    expectScimError(await scim.call('GET', `/Agents/${made.id}`), 404);
    expect(summary(await events(scim, before))).toEqual([
      ['agent.deleted', made.id, []],
      ['agentic_application.updated', app.id, ['agents']],
    ]);
  });

  it('reads an expiresAt without a zone as UTC, in the sweep as in filters', async () => {
    const scim = await tenant({ deletePolicy: 'deactivate' });
    const made = await agent(scim, { name: 'Zoneless', [LIFECYCLE]: { expiresAt: '2031-03-01T12:00:00' } });
    const filter = encodeURIComponent(`${LIFECYCLE}:expiresAt le "2031-03-01T12:00:00Z"`);
    expect((await scim.call('GET', `/Agents?filter=${filter}`)).json<{ totalResults: number }>().totalResults).toBe(1);
    await t.deps.agentLifecycle.sweep(new Date('2031-03-01T11:59:59.999Z'));
    expect((await read(scim, made.id)).active).toBeUndefined();
    await t.deps.agentLifecycle.sweep(new Date('2031-03-01T12:00:00Z'));
    expect((await read(scim, made.id)).active).toBe(false);
  });

  it('refuses an expiresAt that is no dateTime (RFC 7643 §2.3.5), or one PostgreSQL cannot keep', async () => {
    const scim = await tenant();
    const body = expectScimError(
      await scim.call('POST', '/Agents', {
        schemas: [AGENT, LIFECYCLE],
        name: 'Year zero',
        [LIFECYCLE]: { expiresAt: '0000-01-01T00:00:00Z' },
      }),
      400,
      'invalidValue',
    );
    expect(body['detail']).toMatch(/expiresAt" must be a date-time between the years 0001 and 9999/);
    expectScimError(
      await scim.call('POST', '/Agents', {
        schemas: [AGENT, LIFECYCLE],
        name: 'Bad',
        [LIFECYCLE]: { expiresAt: 'soon' },
      }),
      400,
      'invalidValue',
    );
  });
});

// The embedded database serves every connection from one session: the service serializes its
// transactions there (storage/db.ts). Both modes must keep references whole under the race.
describe.each(['embedded', 'server'] as const)('a deletion racing a write that references it (%s database)', (mode) => {
  let app: TestApp;
  let dir: string | undefined;
  let server: DatabaseServer | undefined;

  beforeAll(async () => {
    if (mode === 'server') {
      app = await createTestApp();
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'scim-pglite-agents-'));
    server = await startEmbeddedDatabase(dir);
    await migrate(server.url);
    app = await createTestApp({ database: { url: server.url, name: 'pglite', drop: async () => {} }, embedded: true });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('deactivates an agent whose two owners are deactivated side by side (no write skew)', async () => {
    const scim = await scimTenant(app, 'lifecycle-skew');
    for (let round = 0; round < 10; round += 1) {
      const u = await scim.createUser({ userName: `u${round}@skew.test` });
      const v = await scim.createUser({ userName: `v${round}@skew.test` });
      const made = await agent(scim, { name: `Skewed ${round}`, owners: [{ value: u.id }, { value: v.id }] });
      const off = patchBody({ op: 'replace', path: 'active', value: false });
      const answers = await Promise.all([
        scim.call('PATCH', `/Users/${u.id}`, off),
        scim.call('PATCH', `/Users/${v.id}`, off),
      ]);
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
      expect((await read(scim, made.id)).active, `round ${round}`).toBe(false);
    }
  });

  it('takes locks in one order: writers and deletions of what they reference never deadlock into a 500', async () => {
    const scim = await scimTenant(app, 'lifecycle-locks');
    // A deadlock is retried (storage/db.ts), so it shows as a 500 only when it repeats: count them
    // where PostgreSQL does. (The embedded database runs one transaction at a time: none there.)
    const deadlocks = async () => {
      if (mode === 'embedded') return 0;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const rows = await sqlOf(app.deps.db).rows<{ deadlocks: string }[]>(
        `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`,
      );
      return Number(rows[0]?.deadlocks ?? 0);
    };
    const before = await deadlocks();
    for (let round = 0; round < 8; round += 1) {
      const u = await scim.createUser({ userName: `u${round}@locks.test` });
      const v = await scim.createUser({ userName: `v${round}@locks.test` });
      const made = await agent(scim, { name: `Locked ${round}`, owners: [{ value: u.id }] });
      const host = await scim.call('POST', '/AgenticApplications', {
        schemas: [APPLICATION],
        name: `Host ${round}`,
        agents: [{ value: made.id }],
      });
      const hostId = host.json<{ id: string }>().id;
      const answers = await Promise.all([
        scim.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'add', path: 'owners', value: [{ value: v.id }] })),
        scim.call('PATCH', `/Users/${v.id}`, patchBody({ op: 'replace', path: 'active', value: false })),
        scim.call('DELETE', `/Users/${u.id}`),
        scim.call(
          'PATCH',
          `/AgenticApplications/${hostId}`,
          patchBody({ op: 'replace', path: 'description', value: 'd' }),
        ),
        scim.call('DELETE', `/Agents/${made.id}`),
      ]);
      for (const answer of answers) expect(answer.statusCode, answer.body).toBeLessThan(500);
    }
    expect(await deadlocks()).toBe(before);
  });

  it('never leaves an owner pointing at nothing', async () => {
    const scim = await scimTenant(app, 'lifecycle-race');
    await adminClient(app.app, app.adminToken).call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, {
      ownerlessAgents: 'keep',
    });
    const made = await agent(scim, { name: 'Raced' });
    for (let round = 0; round < 40; round += 1) {
      const user = await scim.createUser({ userName: `racer${round}@owners.test` });
      const [added] = await Promise.all([
        scim.call('PATCH', `/Agents/${made.id}`, patchBody({ op: 'add', path: 'owners', value: [{ value: user.id }] })),
        scim.call('DELETE', `/Users/${user.id}`),
      ]);
      expect([200, 400]).toContain(added.statusCode);
    }
    const rows = await sqlOf(app.deps.db).rows<{ dangling: string }[]>(
      `SELECT count(*) AS dangling FROM scim_references r
        WHERE r.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.tenant_id = r.tenant_id AND u.id = r.target_id)`,
      scim.tenantId,
    );
    expect(rows[0]?.dangling).toBe('0');
    expect((await read(scim, made.id)).owners).toBeUndefined();
  });
});
