import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders, webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';
import {
  ERROR_SCHEMA,
  MODES,
  PATCH_SCHEMA,
  startBlackBox,
  USER_SCHEMA,
  type BlackBox,
  type Tenant,
} from './harness.js';

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** Issue 11's remaining findings as a client meets them: long values, one context, webhook secrets. */
describe.each(MODES)('values, context and secrets from the outside (%s database)', (mode) => {
  let box: BlackBox;
  let tenant: Tenant;
  let sink: WebhookSink;
  beforeAll(async () => {
    box = await startBlackBox(mode);
    tenant = await box.tenant();
    sink = await webhookSink();
  });
  afterAll(async () => {
    await sink.close();
    await box.stop();
  });

  it('refuses a 1 MB value with 400 invalidValue naming the attribute, and writes nothing', async () => {
    const huge = 'x'.repeat(1_000_000);
    for (const [attribute, extra] of [
      ['userName', { userName: `${huge}@example.test` }],
      ['displayName', { displayName: huge }],
      ['title', { title: huge }],
    ] as const) {
      const response = await box.scim(tenant, 'POST', '/Users', {
        schemas: [USER_SCHEMA],
        ...{ userName: `long-${attribute}@example.test` },
        ...extra,
      });
      expect(response.status, attribute).toBe(400);
      expect(response.json).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
      expect((response.json as { detail: string }).detail).toContain(attribute);
    }
    const listed = await box.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName sw "long-"')}`);
    expect((listed.json as { totalResults: number }).totalResults).toBe(0);
  });

  it("reads Entra ID's filters at the root .search, and logs the rules Bulk operations needed", async () => {
    const created = await box.scim(tenant, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'ctx@example.test',
      emails: [{ type: 'work', value: 'ctx@work.example' }],
    });
    expect(created.status).toBe(201);
    const found = await box.scim(tenant, 'POST', '/.search', {
      schemas: [SEARCH_REQUEST],
      filter: 'emails[type eq "work"].value eq "ctx@work.example"',
    });
    expect(found.status, found.text).toBe(200);
    expect((found.json as { totalResults: number }).totalResults).toBe(1);
    const id = (created.json as { id: string }).id;
    const bulk = await box.scim(tenant, 'POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'displayName', value: 'Ctx' }] },
        },
      ],
    });
    expect(bulk.status).toBe(200);
    await expect
      .poll(
        async () => {
          const log = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/requests?limit=1`);
          return (log.json as { requests: { path: string; rules: string[] }[] }).requests[0];
        },
        { timeout: 10_000 },
      )
      .toMatchObject({ path: `${tenant.path}/Bulk`, rules: ['patch-op-case'] });
  });

  it('signs with the old and the new secret during a rotation, and stores no secret in plaintext', async () => {
    const created = await box.admin('POST', `/admin/v1/tenants/${tenant.id}/webhooks`, { url: sink.url });
    expect(created.status).toBe(201);
    const { id, secret: oldSecret } = created.json as { id: string; secret: string };
    const rotated = await box.admin('POST', `/admin/v1/tenants/${tenant.id}/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const { secret: newSecret, previousSecretExpiresAt } = rotated.json as {
      secret: string;
      previousSecretExpiresAt: string;
    };
    expect(Date.parse(previousSecretExpiresAt)).toBeGreaterThan(Date.now());
    const user = await box.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'hook@example.test' });
    expect(user.status).toBe(201);
    const [delivery] = await sink.waitFor(1, (d) => d.body.includes('hook@example.test'));
    if (delivery === undefined) throw new Error('no delivery');
    for (const secret of [oldSecret, newSecret]) {
      expect(() => new Webhook(secret).verify(delivery.body, signatureHeaders(delivery))).not.toThrow();
    }
    if (box.databaseUrl === undefined) return;
    const client = new pg.Client({ connectionString: box.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ stored: string }>(
        'SELECT row_to_json(w)::text AS stored FROM webhook_subscriptions w',
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const { stored } of rows) {
        expect(stored).not.toContain(oldSecret.replace(/^whsec_/, ''));
        expect(stored).not.toContain(newSecret.replace(/^whsec_/, ''));
      }
    } finally {
      await client.end();
    }
  });
});
