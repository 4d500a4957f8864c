import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateWebhookSecret } from '../../src/events/signing.js';
import { sqlOf } from '../../src/storage/db.js';
import { migrate, readMigrations } from '../../src/storage/migrate.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/database.js';
import { scimClient, scimTenant, type ScimClient } from '../helpers/scim.js';
import { signatureHeaders as signed, webhookSink, type Delivery, type WebhookSink } from '../helpers/webhook-sink.js';

// Webhook signing secrets encrypted at rest: the upgrade from plaintext rows, and rotating the
// encryption key (issue 11, finding 11; docs/decisions/0006-webhook-secrets-encrypted-at-rest.md).

// The first migration that knows encrypted secrets; the database starts just before it.
const ENCRYPTION_MIGRATION = '20261206230000_webhook_secret_rotation';
const LEGACY_TENANT = 'legacy';
const LEGACY_WEBHOOK = randomUUID();
const LEGACY_SECRET = generateWebhookSecret();

let database: TestDatabase;
let sink: WebhookSink;
let t: TestApp;
let legacy: ScimClient;
const apps: TestApp[] = [];

beforeAll(async () => {
  database = await createEmptyDatabase();
  sink = await webhookSink();
  const migrations = await readMigrations();
  await migrate(
    database.url,
    migrations.filter((m) => m.name < ENCRYPTION_MIGRATION),
  );
  // A subscription as the previous version stored it: the secret in plaintext.
  const before = await createTestApp({ database });
  await sqlOf(before.deps.db).execute(`INSERT INTO tenants (id, name) VALUES ($1, 'Legacy')`, LEGACY_TENANT);
  await sqlOf(before.deps.db).execute(
    `INSERT INTO webhook_subscriptions (tenant_id, id, url, secret, delivered_sequence) VALUES ($1, $2::uuid, $3, $4, 0)`,
    LEGACY_TENANT,
    LEGACY_WEBHOOK,
    sink.url,
    LEGACY_SECRET,
  );
  await before.close();
  // The upgrade.
  await migrate(database.url, migrations);
  t = await createTestApp({ database });
  apps.push(t);
  const admin = adminClient(t.app, t.adminToken);
  const { token } = await admin.issueToken(LEGACY_TENANT);
  legacy = scimClient(t.app, LEGACY_TENANT, token, `https://scim.example.test/scim/v2/${LEGACY_TENANT}`);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await sink.close();
  await database.drop();
});

/** Creates a user in the legacy tenant and returns its delivery, checked against the secret issued before the upgrade. */
async function deliveredWithLegacySecret(userName: string): Promise<Delivery> {
  const user = await legacy.createUser({ userName });
  const [delivery] = await sink.waitFor(
    1,
    (d) => (JSON.parse(d.body) as { resourceId: string }).resourceId === user.id,
  );
  if (delivery === undefined) throw new Error('no delivery');
  expect(new Webhook(LEGACY_SECRET).verify(delivery.body, signed(delivery))).toMatchObject({ resourceId: user.id });
  return delivery;
}

async function storedSecrets(): Promise<
  { tenant_id: string; id: string; secret: string; previous_secret: string | null }[]
> {
  return sqlOf(t.deps.db).rows(
    `SELECT tenant_id, id, secret, previous_secret FROM webhook_subscriptions ORDER BY tenant_id, id`,
  );
}

async function appWithKeys(keys: string, env: Record<string, string> = {}): Promise<TestApp> {
  const app = await createTestApp({ database, env: { WEBHOOK_SECRET_ENCRYPTION_KEYS: keys, ...env } });
  apps.push(app);
  return app;
}

describe('webhook secrets at rest', () => {
  it('keeps delivering for a subscription stored in plaintext before the upgrade, and encrypts it at start', async () => {
    expect((await storedSecrets())[0]?.secret).toBe(LEGACY_SECRET);
    t.deps.dispatcher.start();
    try {
      await deliveredWithLegacySecret('before@legacy.test');

      // What every start does after migrating (src/main.ts).
      expect(await t.deps.webhooks.reencryptSecrets()).toEqual({ keyId: 'test', reencrypted: 1, failed: [] });
      const [row] = await storedSecrets();
      expect(row?.secret).toMatch(/^enc:v1:test:/);
      expect(row?.secret).not.toContain(LEGACY_SECRET.slice('whsec_'.length));
      // The receiver keeps its secret: nothing changes for it.
      await deliveredWithLegacySecret('after@legacy.test');
      expect(await t.deps.webhooks.reencryptSecrets()).toEqual({ keyId: 'test', reencrypted: 0, failed: [] });
    } finally {
      await t.deps.dispatcher.stop();
    }
  });

  it('stores the secrets it issues, and the one a rotation keeps, encrypted: no whsec_ in the table', async () => {
    const scim = await scimTenant(t, 'whenc');
    const admin = adminClient(t.app, t.adminToken);
    const created = await admin.call('POST', `/admin/v1/tenants/${scim.tenantId}/webhooks`, { url: sink.url });
    const { id, secret: first } = created.json<{ id: string; secret: string }>();
    const rotated = await admin.call('POST', `/admin/v1/tenants/${scim.tenantId}/webhooks/${id}/rotate-secret`);
    const { secret: second } = rotated.json<{ secret: string }>();

    const row = (await storedSecrets()).find((r) => r.id === id);
    expect(row?.secret).toMatch(/^enc:v1:test:/);
    expect(row?.previous_secret).toMatch(/^enc:v1:test:/);
    // Every row, every column, as a backup would hold them.
    const dump = (await sqlOf(t.deps.db).rows<{ row: string }[]>(`SELECT w::text AS row FROM webhook_subscriptions w`))
      .map((r) => r.row)
      .join('\n');
    expect(dump).not.toContain('whsec_');
    for (const secret of [first, second]) expect(dump).not.toContain(secret.slice('whsec_'.length));
    expect(t.logText()).not.toContain(second.slice('whsec_'.length));
  });

  it('keeps the previous secret for WEBHOOK_SECRET_OVERLAP_SECONDS, from not at all to 30 days', async () => {
    for (const [seconds, expected] of [
      ['0', null],
      ['2592000', 2_592_000_000],
    ] as const) {
      const app = await appWithKeys(t.env['WEBHOOK_SECRET_ENCRYPTION_KEYS'] ?? '', {
        WEBHOOK_SECRET_OVERLAP_SECONDS: seconds,
      });
      const scim = await scimTenant(app, 'whoverlap');
      const admin = adminClient(app.app, app.adminToken);
      const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
      const { id } = (await admin.call('POST', base, { url: sink.url })).json<{ id: string }>();
      const before = Date.now();
      const rotated = await admin.call('POST', `${base}/${id}/rotate-secret`);
      const { previousSecretExpiresAt } = rotated.json<{ previousSecretExpiresAt: string | null }>();
      if (expected === null) {
        expect(previousSecretExpiresAt).toBeNull();
        expect((await storedSecrets()).find((r) => r.id === id)?.previous_secret).toBeNull();
      } else {
        expect(Math.abs(Date.parse(previousSecretExpiresAt ?? '') - before - expected)).toBeLessThan(5_000);
      }
    }
  });

  it('moves every secret to a new first key at start; the old key can then go, and is named if it is still needed', async () => {
    const oldKeys = t.env['WEBHOOK_SECRET_ENCRYPTION_KEYS'] ?? '';
    const newKey = `new:${randomBytes(32).toString('base64')}`;
    const both = await appWithKeys(`${newKey},${oldKeys}`);
    const rows = await storedSecrets();
    const report = await both.deps.webhooks.reencryptSecrets();
    expect(report).toEqual({ keyId: 'new', reencrypted: rows.length, failed: [] });
    for (const row of await storedSecrets()) {
      expect(row.secret).toMatch(/^enc:v1:new:/);
      if (row.previous_secret !== null) expect(row.previous_secret).toMatch(/^enc:v1:new:/);
    }

    // A replica still holding only the old key cannot sign, and says which key it lacks.
    const stale = await appWithKeys(oldKeys);
    const refused = await stale.deps.webhooks.reencryptSecrets();
    expect(refused.failed.map((f) => f.id).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(refused.failed[0]?.reason).toContain(
      'encrypted with key "new", which WEBHOOK_SECRET_ENCRYPTION_KEYS does not list',
    );
    stale.deps.dispatcher.start();
    const pending = await legacy.createUser({ userName: 'stale@legacy.test' });
    const failing = await vi.waitFor(
      async () => {
        const res = await adminClient(t.app, t.adminToken).call(
          'GET',
          `/admin/v1/tenants/${LEGACY_TENANT}/webhooks/${LEGACY_WEBHOOK}`,
        );
        const webhook = res.json<{ lastError: string | null; attempts: number }>();
        if (webhook.lastError === null) throw new Error('no attempt yet');
        return webhook;
      },
      { timeout: 10_000, interval: 50 },
    );
    await stale.deps.dispatcher.stop();
    expect(failing.lastError).toContain('key "new"');
    expect(sink.deliveries.some((d) => d.body.includes(pending.id))).toBe(false);

    // With the new key alone, the event that waited is delivered: nothing was lost.
    const onlyNew = await appWithKeys(newKey);
    onlyNew.deps.dispatcher.start();
    try {
      const [delivery] = await sink.waitFor(1, (d) => d.body.includes(pending.id));
      if (delivery === undefined) throw new Error('no delivery');
      expect(new Webhook(LEGACY_SECRET).verify(delivery.body, signed(delivery))).toMatchObject({
        resourceId: pending.id,
      });
    } finally {
      await onlyNew.deps.dispatcher.stop();
    }
  });
});
