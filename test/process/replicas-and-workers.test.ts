import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/free-port.js';
import { startService, WORKER_ENTRY, type ServiceProcess } from '../helpers/process.js';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';

/*
 * Past one process (issue 13, item 6): two service replicas and two `npm run worker` processes on
 * one database, as a deployment runs them (DISPATCHER=off on the replicas). Writes go to both
 * replicas at once; events are numbered by whichever process comes first and delivered by
 * whichever worker holds a subscription's lease.
 */
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let database: TestDatabase;
let sink: WebhookSink;
const processes: ServiceProcess[] = [];
const origins: string[] = [];
const shared = {
  ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`,
  JWT_SECRET: randomBytes(32).toString('hex'),
  WEBHOOK_SECRET_ENCRYPTION_KEYS: `replicas:${randomBytes(32).toString('base64')}`,
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  DISPATCHER: 'off',
  TENANT_MAX_CONCURRENT_REQUESTS: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
};

async function ready(origin: string, p: ServiceProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) throw new Error(`exited:\n${p.stdout()}\n${p.stderr()}`);
    if (
      await fetch(`${origin}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready:\n${p.stdout()}\n${p.stderr()}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  sink = await webhookSink();
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const replica = startService({ ...shared, DATABASE_URL: database.url, PORT: String(port), PUBLIC_URL: origin });
    processes.push(replica);
    await ready(origin, replica);
    origins.push(origin);
  }
  for (let i = 0; i < 2; i += 1) {
    const worker = startService({ ...shared, DATABASE_URL: database.url, LOG_LEVEL: 'info' }, WORKER_ENTRY);
    processes.push(worker);
    await worker.waitFor(/webhook worker started/);
  }
}, 120_000);
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await sink.close();
  await database.drop();
});

async function call(origin: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined
        ? {}
        : { 'content-type': path.startsWith('/scim/') ? 'application/scim+json' : 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

interface EventJson {
  readonly id: string;
  readonly type: string;
  readonly sequence: number;
  readonly resourceId: string;
}

async function allEvents(origin: string, tenant: string): Promise<EventJson[]> {
  const events: EventJson[] = [];
  for (let after = '0'; ;) {
    const page = await call(
      origin,
      shared.ADMIN_TOKEN,
      'GET',
      `/admin/v1/tenants/${tenant}/events?after=${after}&limit=1000`,
    );
    const body = page.json as { events: EventJson[]; nextCursor: string };
    if (body.events.length === 0) return events;
    events.push(...body.events);
    after = body.nextCursor;
  }
}

describe('two replicas and two workers on one database', () => {
  it('lose, duplicate and reorder nothing under concurrent writes to both replicas, and both see a revocation', async () => {
    const [a = '', b = ''] = origins;
    const tenant = `replicas-${randomBytes(3).toString('hex')}`;
    expect(
      (await call(a, shared.ADMIN_TOKEN, 'POST', '/admin/v1/tenants', { id: tenant, name: 'Replicas' })).status,
    ).toBe(201);
    const issued = await call(b, shared.ADMIN_TOKEN, 'POST', `/admin/v1/tenants/${tenant}/tokens`, {
      description: 'replicas',
      scopes: ['scim:read', 'scim:write'],
    });
    const token = String(issued.json?.['token']);
    // Two subscriptions, so both workers have one to hold.
    for (const path of ['one', 'two']) {
      const made = await call(a, shared.ADMIN_TOKEN, 'POST', `/admin/v1/tenants/${tenant}/webhooks`, {
        url: `${sink.url}/${path}`,
      });
      expect(made.status).toBe(201);
    }

    // 8 clients, each creating users and changing each one, alternating replicas request by request.
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, client) => {
        for (let i = 0; i < 15; i += 1) {
          const first = (client + i) % 2 === 0 ? a : b;
          const second = first === a ? b : a;
          const created = await call(first, token, 'POST', `/scim/v2/${tenant}/Users`, {
            schemas: [USER],
            userName: `c${client}-${i}@example.com`,
          });
          expect(created.status).toBe(201);
          const id = String(created.json?.['id']);
          const patched = await call(second, token, 'PATCH', `/scim/v2/${tenant}/Users/${id}`, {
            schemas: [PATCH],
            Operations: [{ op: 'replace', path: 'title', value: `Title ${i}` }],
          });
          expect(patched.status).toBe(200);
          acknowledged.push(id);
        }
      }),
    );

    // Both replicas read the same events, numbered 1..n without a gap, each user's in its order.
    const fromA = await allEvents(a, tenant);
    const fromB = await allEvents(b, tenant);
    expect(fromA).toEqual(fromB);
    expect(fromA.map((e) => e.sequence)).toEqual(fromA.map((_, i) => i + 1));
    expect(fromA).toHaveLength(acknowledged.length * 2);
    for (const id of acknowledged) {
      expect(fromA.filter((e) => e.resourceId === id).map((e) => e.type)).toEqual(['user.created', 'user.updated']);
    }

    // Each subscription gets every event once, in sequence order, from whichever worker held it.
    for (const path of ['one', 'two']) {
      const delivered = await sink.waitFor(fromA.length, (d) => d.path === `/hooks/${path}`, 30_000);
      expect(delivered.map((d) => (JSON.parse(d.body) as EventJson).id)).toEqual(fromA.map((e) => e.id));
    }

    // A token revoked through one replica stops working on the other within the 2 s cache.
    const jti = String(issued.json?.['id']);
    expect((await call(a, shared.ADMIN_TOKEN, 'DELETE', `/admin/v1/tenants/${tenant}/tokens/${jti}`)).status).toBe(204);
    expect((await call(a, token, 'GET', `/scim/v2/${tenant}/Users?count=1`)).status).toBe(401);
    const deadline = Date.now() + 5_000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = (await call(b, token, 'GET', `/scim/v2/${tenant}/Users?count=1`)).status === 401;
      if (!refused) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toBe(true);
  }, 120_000);
});
