import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scimTenant } from '../helpers/scim.js';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';

// GET /metrics (issue 5, point 7): outbox lag, deliveries by outcome, retries.

let t: TestApp;
let sink: WebhookSink;

beforeAll(async () => {
  t = await createTestApp({ env: { WEBHOOK_RETRY_BASE_MS: '20' } });
  sink = await webhookSink();
});
afterAll(async () => {
  await t.close();
  await sink.close();
});

async function metrics(): Promise<string> {
  const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  return res.body;
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('needs the admin token', async () => {
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401);
  });

  it('reports the outbox lag, deliveries by outcome and retries', async () => {
    const scim = await scimTenant(t, 'metrics');
    const res = await adminClient(t.app, t.adminToken).call('POST', `/admin/v1/tenants/${scim.tenantId}/webhooks`, {
      url: sink.url,
    });
    expect(res.statusCode).toBe(201);
    expect(value(await metrics(), 'scim_outbox_lag_seconds')).toBe(0);

    await scim.createUser({ userName: 'lag@metrics.test' });
    await new Promise((r) => setTimeout(r, 1_100));
    // Nothing delivers yet: the event waits, and its age shows.
    expect(value(await metrics(), 'scim_outbox_lag_seconds')).toBeGreaterThanOrEqual(1);

    sink.respond = (n) => (n === 0 ? 500 : 204);
    t.deps.dispatcher.start();
    await sink.waitFor(2);
    let text = await metrics();
    for (let i = 0; i < 50 && value(text, 'scim_outbox_lag_seconds') !== 0; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      text = await metrics();
    }
    expect(value(text, 'scim_outbox_lag_seconds')).toBe(0);
    expect(value(text, 'scim_webhook_deliveries_total{outcome="failed"}')).toBe(1);
    expect(value(text, 'scim_webhook_deliveries_total{outcome="delivered"}')).toBe(1);
    expect(value(text, 'scim_webhook_retries_total')).toBe(1);
    expect(text).toContain('scim_webhook_delivery_duration_seconds_bucket');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toContain(scim.tenantId);
  });
});
