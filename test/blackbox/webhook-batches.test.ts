import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders, webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';
import { MODES, startBlackBox, USER_SCHEMA, type BlackBox } from './harness.js';

/**
 * Issue 13, item 4: a subscriber that chose batches receives its events up to batchSize a POST,
 * signed per Standard Webhooks over the whole body, from the built service in both database
 * modes (docs/events.md, "Batches").
 */

interface ChangeEvent {
  id: string;
  type: string;
  sequence: number;
  resourceId: string;
}

describe.each(MODES)('batched webhook deliveries from the outside (%s database)', (mode) => {
  let box: BlackBox;
  let sink: WebhookSink;
  beforeAll(async () => {
    [box, sink] = await Promise.all([startBlackBox(mode), webhookSink()]);
  });
  afterAll(async () => {
    await Promise.all([sink.close(), box.stop()]);
  });

  it('delivers 30 created users in signed batches of 10, each event as the events API shows it', async () => {
    const tenant = await box.tenant();
    const hooks = `/admin/v1/tenants/${tenant.id}/webhooks`;
    const created = await box.admin('POST', hooks, { url: sink.url, batchSize: 10 });
    expect(created.status, created.text).toBe(201);
    const { id, secret, batchSize } = created.json as { id: string; secret: string; batchSize: number };
    expect(batchSize).toBe(10);

    // Held back while the users are created, so that every batch is full.
    expect((await box.admin('PATCH', `${hooks}/${id}`, { enabled: false })).status).toBe(200);
    const users: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const user = await box.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `batch${i}@bb.test` });
      expect(user.status).toBe(201);
      users.push((user.json as { id: string }).id);
    }
    expect((await box.admin('PATCH', `${hooks}/${id}`, { enabled: true })).status).toBe(200);

    const deliveries = await sink.waitFor(3, undefined, 20_000);
    const batches = deliveries.map((d) => {
      // Any Standard Webhooks verifier takes the batch unchanged: raw body, webhook-id, timestamp.
      const body = new Webhook(secret).verify(d.body, signatureHeaders(d)) as { type: string; events: ChangeEvent[] };
      expect(body.type).toBe('batch');
      expect(d.headers['webhook-id']).toMatch(/^batch_/);
      return body.events;
    });
    expect(batches.map((events) => events.length)).toEqual([10, 10, 10]);
    const events = batches.flat();
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(events.map((e) => e.resourceId)).toEqual(users);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['user.created']));

    const pulled = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/events?limit=100`);
    expect(events).toEqual((pulled.json as { events: ChangeEvent[] }).events);
  });
});
