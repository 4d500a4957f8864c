import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/events/signing.js';
import { sqlOf } from '../../src/storage/db.js';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { startService, type ServiceProcess } from '../helpers/process.js';

// Rotating WEBHOOK_SECRET_ENCRYPTION_KEYS (docs/operations.md): the service re-encrypts at start,
// and `npm run reencrypt-webhook-secrets` tells whether an old key may go.

const run = promisify(execFile);
const REENCRYPT = join(import.meta.dirname, '../../dist/reencrypt-webhook-secrets.js');
const NEW_KEY = `2026-12:${randomBytes(32).toString('base64')}`;

let t: TestApp;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await t.close();
});

const oldKeys = () => t.env['WEBHOOK_SECRET_ENCRYPTION_KEYS'] ?? '';
const environment = (keys: string) => ({
  DATABASE_URL: t.database.url,
  ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`,
  JWT_SECRET: randomBytes(32).toString('hex'),
  WEBHOOK_SECRET_ENCRYPTION_KEYS: keys,
  DISPATCHER: 'off',
  LOG_LEVEL: 'info',
});

async function reencryptCommand(keys: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [REENCRYPT], {
      env: { ...process.env, ...environment(keys) },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('rotating the webhook secret encryption key', () => {
  it('re-encrypts old and plaintext secrets at start, and the command confirms the old key may go', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const tenantId = uniqueTenantId('keys');
    await admin.createTenant(tenantId);
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const res = await admin.call('POST', `/admin/v1/tenants/${tenantId}/webhooks`, {
        url: 'http://127.0.0.1:9/hook',
      });
      ids.push(res.json<{ id: string }>().id);
    }
    // One row as a version before encryption left it.
    await sqlOf(t.deps.db).execute(
      `UPDATE webhook_subscriptions SET secret = $2 WHERE id = $1::uuid`,
      ids[0],
      generateWebhookSecret(),
    );

    // Before the new key is first everywhere, the command says which rows still need the old one.
    const early = await reencryptCommand(oldKeys());
    expect(early.code).toBe(0);
    expect(early.stdout).toContain('Re-encrypted 1 webhook secret(s) with key "test"');

    const port = await freePort();
    const service = startService({ ...environment(`${NEW_KEY},${oldKeys()}`), PORT: String(port), HOST: '127.0.0.1' });
    running.push(service);
    const [line = ''] = await service.waitFor(/^.*re-encrypted webhook secrets.*$/m, 60_000);
    expect(JSON.parse(line)).toMatchObject({ keyId: '2026-12', count: 2 });
    await service.waitFor(/Server listening/);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.stdout()).not.toContain(NEW_KEY.split(':')[1]);

    const rows = await sqlOf(t.deps.db).rows<{ secret: string }[]>(
      `SELECT secret FROM webhook_subscriptions WHERE tenant_id = $1`,
      tenantId,
    );
    expect(rows.map((r) => r.secret.split(':').slice(0, 3).join(':'))).toEqual(['enc:v1:2026-12', 'enc:v1:2026-12']);

    const done = await reencryptCommand(NEW_KEY);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Every webhook secret is encrypted with key "2026-12"; the other keys may go.');

    // Removing the new key instead would lose the secrets: the command refuses, naming the key.
    const wrong = await reencryptCommand(oldKeys());
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('encrypted with key "2026-12", which WEBHOOK_SECRET_ENCRYPTION_KEYS does not list');
  }, 120_000);
});
