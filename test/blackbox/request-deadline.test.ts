import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_SCHEMA,
  MODES,
  PATCH_SCHEMA,
  startBlackBox,
  USER_SCHEMA,
  type BlackBox,
  type Tenant,
} from './harness.js';

const DEADLINE = { REQUEST_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '0' };

/**
 * REQUEST_TIMEOUT_MS as a client meets it (http/plugins/request-deadline.ts): a request not
 * answered in time gets a SCIM 503 with Retry-After, and the events long poll may wait longer.
 */
describe.each(MODES)('request deadline from the outside (%s database)', (mode) => {
  let box: BlackBox;
  let tenant: Tenant;
  beforeAll(async () => {
    box = await startBlackBox(mode, { env: DEADLINE });
    tenant = await box.tenant();
  });
  afterAll(async () => {
    await box.stop();
  });

  it('lets an events long poll wait past REQUEST_TIMEOUT_MS for as long as it asked', async () => {
    const started = Date.now();
    const polled = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/events?after=999999&wait=2`);
    expect(polled.status, polled.text).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  // Only a server database can be held from outside the service: the embedded one is the process's own.
  if (mode !== 'server') return;
  it('answers 503 with Retry-After as a SCIM Error when a request outlives REQUEST_TIMEOUT_MS (RFC 7644 §3.12)', async () => {
    const created = await box.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'stuck@x.test' });
    expect(created.status).toBe(201);
    const id = (created.json as { id: string }).id;
    // Another session holds the user's row, so the PATCH waits on it past the deadline.
    const holder = new pg.Client({ connectionString: box.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE', [tenant.id, id]);
      const started = Date.now();
      const late = await box.scim(tenant, 'PATCH', `/Users/${id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'title', value: 'late' }],
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(late.status).toBe(503);
      expect(late.headers.get('retry-after')).toBe('10');
      expect(late.headers.get('content-type')).toBe('application/scim+json');
      expect(late.json).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
      expect((late.json as { detail: string }).detail).toMatch(/did not complete within 500 ms/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});
