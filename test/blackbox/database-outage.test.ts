import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { ERROR_SCHEMA, startBlackBox, USER_SCHEMA, type BlackBox, type Tenant } from './harness.js';

/*
 * The database goes away under load and comes back (issue 13): a server of the test's own is
 * killed as a crash would (pg_ctl -m immediate) while 8 clients create users, and started again.
 * Server mode only: the embedded database lives in the service's process and cannot go away
 * without it.
 */
let pg: ThrowawayPostgres;
let box: BlackBox;
let tenant: Tenant;

beforeAll(async () => {
  pg = await startThrowawayPostgres();
  box = await startBlackBox('server', {
    databaseUrl: pg.url,
    env: { LOG_LEVEL: 'error', TENANT_MAX_CONCURRENT_REQUESTS: '0' },
  });
  tenant = await box.tenant('outage');
}, 120_000);
afterAll(async () => {
  await box.stop();
  await pg.stop();
});

interface Outcome {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly schemas: unknown;
  readonly id: string | undefined;
  readonly at: number;
}

describe('when the database goes away (server mode)', () => {
  it('answers 503 with Retry-After as a SCIM error while it is down, reconnects by itself, and loses no acknowledged write or event', async () => {
    const outcomes: Outcome[] = [];
    let writing = true;
    let n = 0;
    const writer = async () => {
      while (writing) {
        n += 1;
        const at = Date.now();
        try {
          const res = await box.scim(tenant, 'POST', '/Users', {
            schemas: [USER_SCHEMA],
            userName: `outage-${n}@example.com`,
          });
          const body = res.json as { id?: string; schemas?: unknown } | undefined;
          outcomes.push({
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            schemas: body?.schemas,
            id: body?.id,
            at,
          });
          if (res.status === 503) await new Promise((r) => setTimeout(r, 50));
        } catch (error) {
          // The service itself must stay up: a failed connection to it fails the test.
          throw new Error(`request to the service failed: ${String(error)}`, { cause: error });
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    pg.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    pg.start();
    const startedAt = Date.now();
    // Until the writes succeed again, then a little longer.
    const deadline = startedAt + 30_000;
    let recoveredAt: number | undefined;
    while (Date.now() < deadline) {
      recoveredAt = outcomes.find((o) => o.at >= startedAt && o.status === 201)?.at;
      if (recoveredAt !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    writing = false;
    await Promise.all(writers);

    expect(recoveredAt, 'the service did not recover within 30 s of the database starting again').toBeDefined();
    const failed = outcomes.filter((o) => o.status !== 201);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      expect(o.status).toBe(503);
      expect(o.schemas).toEqual([ERROR_SCHEMA]);
      expect(Number(o.retryAfter)).toBeGreaterThan(0);
    }
    process.stdout.write(
      `database outage: ${outcomes.length} requests, ${failed.length} answered 503; ` +
        `first success ${String((recoveredAt ?? 0) - startedAt)} ms after the database started again, ` +
        `${String((recoveredAt ?? 0) - killedAt)} ms after it was killed\n`,
    );

    // Every acknowledged create is there, and so is its event.
    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.id ?? '');
    const listed = await box.scim(tenant, 'GET', '/Users?count=1');
    expect((listed.json as { totalResults: number }).totalResults).toBeGreaterThanOrEqual(acknowledged.length);
    for (const id of acknowledged) expect((await box.scim(tenant, 'GET', `/Users/${id}`)).status).toBe(200);
    const created = new Set<string>();
    for (let after = 0; ;) {
      const page = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/events?after=${after}&limit=1000`);
      const body = page.json as { events: { type: string; resourceId: string }[]; nextCursor: string };
      for (const e of body.events) if (e.type === 'user.created') created.add(e.resourceId);
      if (body.events.length === 0) break;
      after = Number(body.nextCursor);
    }
    for (const id of acknowledged) expect(created.has(id), `no user.created event for ${id}`).toBe(true);
  }, 90_000);
});
