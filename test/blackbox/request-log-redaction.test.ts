import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODES, PATCH_SCHEMA, startBlackBox, USER_SCHEMA, type BlackBox, type Tenant } from './harness.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** The request log (GET /admin/v1/tenants/{id}/requests) never keeps a password, in any form. */
describe.each(MODES)('request-log redaction (%s database)', (mode) => {
  let box: BlackBox;
  let tenant: Tenant;
  beforeAll(async () => {
    box = await startBlackBox(mode);
    tenant = await box.tenant();
  });
  afterAll(async () => {
    await box.stop();
  });

  /** The log text once it holds `count` entries (it is written in batches, every 500 ms). */
  async function logText(count: number): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const log = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/requests?limit=100`);
      expect(log.status).toBe(200);
      const logged = (log.json as { requests: unknown[] }).requests.length;
      if (logged >= count) return log.text;
      if (Date.now() > deadline) throw new Error(`${logged} of ${count} requests logged: ${log.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('keeps no password from bodies, PATCH paths in any case or URN-qualified, value filters, Bulk or URLs', async () => {
    const secrets = Array.from({ length: 9 }, (_, i) => `Pw-${i}-${mode}-s3cr3t`);
    const user = await box.scim(tenant, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'pw@example.test',
      password: secrets[0],
    });
    expect(user.status).toBe(201);
    const id = (user.json as { id: string }).id;
    const patch = (operations: Record<string, unknown>[]) =>
      box.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: operations });
    expect((await patch([{ op: 'replace', path: 'password', value: secrets[1] }])).status).toBe(200);
    expect((await patch([{ op: 'replace', path: 'PassWord', value: secrets[2] }])).status).toBe(200);
    expect((await patch([{ op: 'replace', path: `${USER_SCHEMA}:password`, value: secrets[3] }])).status).toBe(200);
    expect((await patch([{ op: 'replace', value: { password: secrets[4] } }])).status).toBe(200);
    await patch([{ op: 'remove', path: `password[value eq "${secrets[5]}"]` }]);
    const bulk = await box.scim(tenant, 'POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'password', value: secrets[6] }] },
        },
      ],
    });
    expect(bulk.status).toBe(200);
    await box.scim(tenant, 'POST', '/Users/.search', {
      schemas: [SEARCH_REQUEST],
      filter: `password eq "${secrets[7]}"`,
    });
    await box.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`password eq "${secrets[8]}"`)}`);

    const text = await logText(9);
    expect(text).toContain('[redacted]');
    for (const secret of secrets) expect(text, secret).not.toContain(secret);
  });

  it('still logs a body nested 100,000 levels deep', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const body = `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.test","nested":${deep}}`;
    const response = await box.scim(tenant, 'POST', '/Users', body);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const log = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/requests?limit=100`);
    const deadline = Date.now() + 10_000;
    let found = log.text.includes('deep@example.test');
    while (!found && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      found = (await box.admin('GET', `/admin/v1/tenants/${tenant.id}/requests?limit=100`)).text.includes(
        'deep@example.test',
      );
    }
    expect(found).toBe(true);
  });
});
