import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY } from '../../src/events/dispatcher.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scimTenant } from '../helpers/scim.js';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';

// Fair delivery (issue 13, item 4; docs/events.md, "Guarantees"): endpoints that hang hold up
// nobody else, however many of them there are.

/** More hanging endpoints than the dispatcher has loops. */
const SLOW = DEFAULT_CONCURRENCY + 4;

let t: TestApp;
const sinks: WebhookSink[] = [];

beforeAll(async () => {
  // Endpoints that hang are given up on after 5 s: long after the fast one must have been served.
  t = await createTestApp({ env: { WEBHOOK_TIMEOUT_MS: '5000' } });
  t.deps.dispatcher.start();
});
afterAll(async () => {
  // Closing the endpoints first ends the hanging deliveries, so the dispatcher stops at once.
  await Promise.all(sinks.map((s) => s.close()));
  await t.close();
});

interface WebhookBody {
  id: string;
  attempts: number;
  lastError: string | null;
}

describe('fair delivery across subscriptions and tenants', () => {
  it('delivers to a fast endpoint while more endpoints than the dispatcher has loops hang', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const slowTenant = await scimTenant(t, 'hang');
    const slowHooks: string[] = [];
    const slow: WebhookSink[] = [];
    for (let i = 0; i < SLOW; i += 1) {
      const s = await webhookSink();
      sinks.push(s);
      slow.push(s);
      // Answers after the attempt timeout: to the dispatcher, a delivery that hangs.
      s.delayMs = 6_000;
      const res = await admin.call('POST', `/admin/v1/tenants/${slowTenant.tenantId}/webhooks`, { url: s.url });
      expect(res.statusCode).toBe(201);
      slowHooks.push(res.json<WebhookBody>().id);
    }
    const fast = await webhookSink();
    sinks.push(fast);
    const fastTenant = await scimTenant(t, 'fast');
    const created = await admin.call('POST', `/admin/v1/tenants/${fastTenant.tenantId}/webhooks`, { url: fast.url });
    expect(created.statusCode).toBe(201);

    // Every hanging endpoint has its delivery in flight before the fast tenant writes anything.
    await slowTenant.createUser({ userName: 'stuck@hang.test' });
    await Promise.all(slow.map((s) => s.waitFor(1)));

    const users: string[] = [];
    for (let i = 0; i < 5; i += 1) users.push((await fastTenant.createUser({ userName: `f${i}@fast.test` })).id);
    const delivered = await fast.waitFor(5);
    expect(delivered.map((d) => (JSON.parse(d.body) as { resourceId: string }).resourceId)).toEqual(users);

    // ...and no hanging delivery has ended yet: none was answered, none timed out and was
    // recorded as failed, none retried.
    for (const s of slow) expect(s.deliveries).toHaveLength(1);
    for (const id of slowHooks) {
      const hook = (
        await admin.call('GET', `/admin/v1/tenants/${slowTenant.tenantId}/webhooks/${id}`)
      ).json<WebhookBody>();
      expect(hook).toMatchObject({ attempts: 0, lastError: null });
    }
  });
});
