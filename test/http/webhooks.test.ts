import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliver, eventMessage, type DeliveryOutcome, type WebhookMessage } from '../../src/events/delivery.js';
import { Dispatcher } from '../../src/events/dispatcher.js';
import { WebhookSecrets } from '../../src/events/webhook-secrets.js';
import { sqlOf, type Sql } from '../../src/storage/db.js';
import { OutboxStore } from '../../src/storage/outbox.js';
import { WebhookStore, type WebhookLease } from '../../src/storage/webhook-store.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scimTenant, type ScimClient } from '../helpers/scim.js';
import { signatureHeaders as signed, webhookSink, type Delivery, type WebhookSink } from '../helpers/webhook-sink.js';

// Webhook subscriptions and their delivery (issue 5, points 3 and 4; docs/events.md), in batches
// and with the cursor written behind the deliveries (issue 13, item 4).

let t: TestApp;
let admin: ReturnType<typeof adminClient>;
const sinks: WebhookSink[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { WEBHOOK_RETRY_BASE_MS: '40', WEBHOOK_RETRY_WINDOW_SECONDS: '2' } });
  admin = adminClient(t.app, t.adminToken);
  t.deps.dispatcher.start();
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

interface WebhookBody {
  id: string;
  url: string;
  events: string[];
  batchSize: number;
  enabled: boolean;
  disabledReason: string | null;
  deliveredSequence: number;
  attempts: number;
  lastError: string | null;
  failingSince: string | null;
}

async function sink(): Promise<WebhookSink> {
  const s = await webhookSink();
  sinks.push(s);
  return s;
}

async function subscribe(tenantId: string, url: string, events?: string[], batchSize?: number) {
  const res = await admin.call('POST', `/admin/v1/tenants/${tenantId}/webhooks`, {
    url,
    ...(events === undefined ? {} : { events }),
    ...(batchSize === undefined ? {} : { batchSize }),
  });
  expect(res.statusCode, res.body).toBe(201);
  // One flat object: {"id", "url", "events", "secret", …}.
  expect(Object.keys(res.json<object>())).toEqual(expect.arrayContaining(['id', 'url', 'events', 'secret']));
  const { secret, ...webhook } = res.json<WebhookBody & { secret: string }>();
  return { webhook, secret };
}

interface ChangeEvent {
  id: string;
  type: string;
  sequence: number;
  resourceId: string;
}
const eventOf = (d: Delivery) => JSON.parse(d.body) as ChangeEvent;
const batchOf = (d: Delivery) => JSON.parse(d.body) as { type: string; events: ChangeEvent[] };

/** Runs `writes` while the subscription is disabled, so that their events wait and go out together. */
async function heldBack<T>(tenantId: string, webhookId: string, writes: () => Promise<T>): Promise<T> {
  const url = `/admin/v1/tenants/${tenantId}/webhooks/${webhookId}`;
  expect((await admin.call('PATCH', url, { enabled: false })).statusCode).toBe(200);
  const written = await writes();
  expect((await admin.call('PATCH', url, { enabled: true })).statusCode).toBe(200);
  return written;
}

async function createUsers(scim: ScimClient, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await scim.createUser({ userName: `${prefix}${i}@wh.test` })).id);
  return ids;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook subscriptions (admin API)', () => {
  it('creates a subscription with a whsec_ secret shown once, lists, reads, changes and deletes it', async () => {
    const scim = await scimTenant(t, 'wh');
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    const { webhook, secret } = await subscribe(scim.tenantId, 'http://127.0.0.1:9/hook', ['user.created']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['user.created'], enabled: true });

    const listed = (await admin.call('GET', base)).json<{ webhooks: WebhookBody[] }>().webhooks;
    expect(listed.map((w) => w.id)).toEqual([webhook.id]);
    const one = await admin.call('GET', `${base}/${webhook.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain(secret);

    const patched = await admin.call('PATCH', `${base}/${webhook.id}`, {
      url: 'http://127.0.0.1:10/other',
      events: ['group.created', 'group.deleted'],
      enabled: false,
    });
    expect(patched.json()).toMatchObject({
      url: 'http://127.0.0.1:10/other',
      events: ['group.created', 'group.deleted'],
      enabled: false,
      disabledReason: 'Disabled through the admin API.',
    });
    const reenabled = await admin.call('PATCH', `${base}/${webhook.id}`, { enabled: true });
    expect(reenabled.json()).toMatchObject({ enabled: true, disabledReason: null });

    const rotated = await admin.call('POST', `${base}/${webhook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json<{ secret: string }>().secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    expect((await admin.call('DELETE', `${base}/${webhook.id}`)).statusCode).toBe(204);
    expect((await admin.call('GET', `${base}/${webhook.id}`)).statusCode).toBe(404);
    expect((await admin.call('DELETE', `${base}/${webhook.id}`)).statusCode).toBe(404);
  });

  it('refuses URLs that are not http(s), unknown event types, an empty change and an unknown tenant', async () => {
    const scim = await scimTenant(t, 'whbad');
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    for (const body of [
      { url: 'ftp://example.com/hook' },
      { url: 'https://user:pw@example.com/hook' },
      { url: 'not a url' },
      { url: 'http://127.0.0.1:9/hook', events: ['user.exploded'] },
      { url: 'http://127.0.0.1:9/hook', events: [] },
      { events: ['user.created'] },
    ]) {
      const res = await admin.call('POST', base, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    const { webhook } = await subscribe(scim.tenantId, 'http://127.0.0.1:9/hook');
    expect((await admin.call('PATCH', `${base}/${webhook.id}`, {})).statusCode).toBe(400);
    expect((await admin.call('PATCH', `${base}/${webhook.id}`, { url: 'gopher://x' })).statusCode).toBe(400);
    expect(
      (await admin.call('POST', '/admin/v1/tenants/no-such-tenant/webhooks', { url: 'http://127.0.0.1:9/' }))
        .statusCode,
    ).toBe(404);
  });

  it('refuses private, loopback and link-local targets unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set', async () => {
    const strict = await createTestApp({ database: t.database, env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
    try {
      const scim = await scimTenant(strict, 'whssrf');
      const strictAdmin = adminClient(strict.app, strict.adminToken);
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'http://10.0.0.8/hook',
        'http://169.254.169.254/latest',
        'http://[::1]/hook',
        'http://localhost/hook',
      ]) {
        const res = await strictAdmin.call('POST', `/admin/v1/tenants/${scim.tenantId}/webhooks`, { url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json<{ message: string }>().message).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS');
      }
    } finally {
      await strict.close();
    }
    // And at delivery time, after resolution: a target that became private is not contacted.
    const s = await sink();
    const outcome = await deliver(
      s.url,
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      eventMessage({
        id: '3b241101-e2bb-4255-8caf-4136c566a962',
        type: 'user.created',
        tenantId: 'x',
        sequence: 1,
        occurredAt: new Date(),
        resourceType: 'User',
        resourceId: '3b241101-e2bb-4255-8caf-4136c566a963',
        externalId: undefined,
        data: {},
        changedAttributes: [],
      }),
      { timeoutMs: 1_000, allowPrivateTargets: false },
    );
    expect(outcome).toMatchObject({ ok: false });
    expect(s.deliveries).toHaveLength(0);
  });
});

describe('webhook delivery', () => {
  it('delivers each event, signed per Standard Webhooks, within a second of its commit', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'whdel');
    const { secret } = await subscribe(scim.tenantId, s.url);
    const committed = Date.now();
    const user = await scim.createUser({ userName: 'ada@wh.test' });
    const [delivery] = await s.waitFor(1);
    if (delivery === undefined) throw new Error('no delivery');
    expect(delivery.at - committed).toBeLessThan(1_000);
    expect(delivery.headers['content-type']).toBe('application/json');
    // An independent implementation of the spec accepts the signature.
    const verified = new Webhook(secret).verify(delivery.body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    }) as { id: string; type: string; resourceId: string };
    expect(verified).toMatchObject({ type: 'user.created', resourceId: user.id });
    expect(delivery.headers['webhook-id']).toBe(verified.id);
    // The body is the events API's item.
    const pulled = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/events`);
    expect(JSON.parse(delivery.body)).toEqual(pulled.json<{ events: unknown[] }>().events[0]);
  });

  it('signs with the old and the new secret for the overlap after a rotation, then with the new one only', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'whrotate');
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    const { webhook, secret: oldSecret } = await subscribe(scim.tenantId, s.url);
    expect(webhook).toMatchObject({ previousSecretExpiresAt: null });
    // An event committed before the rotation and still waiting for delivery when it happens.
    await admin.call('PATCH', `${base}/${webhook.id}`, { enabled: false });
    const before = await scim.createUser({ userName: 'before@wh.test' });

    const rotatedAt = Date.now();
    const rotated = await admin.call('POST', `${base}/${webhook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret: newSecret, previousSecretExpiresAt } = rotated.json<{
      secret: string;
      previousSecretExpiresAt: string;
    }>();
    // WEBHOOK_SECRET_OVERLAP_SECONDS: 24 hours by default.
    expect(Math.abs(Date.parse(previousSecretExpiresAt) - rotatedAt - 86_400_000)).toBeLessThan(5_000);
    const shown = await admin.call('GET', `${base}/${webhook.id}`);
    expect(shown.json()).toMatchObject({ previousSecretExpiresAt });
    expect(shown.body).not.toContain(newSecret);

    await admin.call('PATCH', `${base}/${webhook.id}`, { enabled: true });
    const after = await scim.createUser({ userName: 'after@wh.test' });
    const deliveries = await s.waitFor(2);
    expect(deliveries.map((d) => eventOf(d).resourceId)).toEqual([before.id, after.id]);
    for (const delivery of deliveries) {
      expect(signed(delivery)['webhook-signature'].split(' ')).toHaveLength(2);
      // A receiver still holding the old secret verifies, and so does one given the new secret.
      const id = eventOf(delivery).resourceId;
      expect(new Webhook(oldSecret).verify(delivery.body, signed(delivery))).toMatchObject({ resourceId: id });
      expect(new Webhook(newSecret).verify(delivery.body, signed(delivery))).toMatchObject({ resourceId: id });
    }

    // The overlap ends: moved into the past rather than waited for.
    await sqlOf(t.deps.db).execute(
      `UPDATE webhook_subscriptions SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1::uuid`,
      webhook.id,
    );
    const late = await scim.createUser({ userName: 'late@wh.test' });
    const [lateDelivery] = await s.waitFor(1, (d) => eventOf(d).resourceId === late.id);
    if (lateDelivery === undefined) throw new Error('no delivery');
    expect(signed(lateDelivery)['webhook-signature'].split(' ')).toHaveLength(1);
    expect(new Webhook(newSecret).verify(lateDelivery.body, signed(lateDelivery))).toMatchObject({
      resourceId: late.id,
    });
    expect(() => new Webhook(oldSecret).verify(lateDelivery.body, signed(lateDelivery))).toThrow();
  });

  it('sends at once when woken after a commit, instead of at its next poll', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'whwake');
    await subscribe(scim.tenantId, s.url);
    const slow = new Dispatcher(t.deps.db, new WebhookStore(), new OutboxStore(), {
      webhooks: t.deps.config.webhooks,
      secrets: new WebhookSecrets(t.deps.secrets.webhookSecretKeys),
      retentionDays: 30,
      logger: t.deps.logger,
      pollMs: 60_000,
      concurrency: 2,
    });
    await t.deps.dispatcher.stop();
    slow.start();
    try {
      // Both loops find nothing and go to sleep for a minute.
      await new Promise((r) => setTimeout(r, 200));
      await scim.createUser({ userName: 'now@wh.test' });
      const woken = Date.now();
      slow.wake();
      await s.waitFor(1, undefined, 2_000);
      expect(Date.now() - woken).toBeLessThan(1_000);
    } finally {
      await slow.stop();
      t.deps.dispatcher.start();
    }
  });

  it('sends only the subscribed event types, and moves past the others', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'whfilter');
    const { webhook } = await subscribe(scim.tenantId, s.url, ['group.created']);
    await scim.createUser({ userName: 'skip@wh.test' });
    const group = await scim.createGroup({ displayName: 'Wanted' });
    const [delivery] = await s.waitFor(1);
    expect(delivery && eventOf(delivery)).toMatchObject({ type: 'group.created', resourceId: group.id });
    const state = await eventually(
      async () =>
        (await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/webhooks/${webhook.id}`)).json<WebhookBody>(),
      (w) => w.deliveredSequence === 2,
    );
    expect(state.deliveredSequence).toBe(2);
    expect(s.deliveries).toHaveLength(1);
  });

  it('retries a failing endpoint with growing delays, and a later event waits for the earlier one', async () => {
    const s = await sink();
    s.respond = (n) => (n < 3 ? 500 : 204);
    const scim = await scimTenant(t, 'whretry');
    await subscribe(scim.tenantId, s.url);
    await scim.createUser({ userName: 'first@wh.test' });
    await scim.createUser({ userName: 'second@wh.test' });
    const deliveries = await s.waitFor(5);
    const sequences = deliveries.map((d) => eventOf(d).sequence);
    expect(sequences).toEqual([1, 1, 1, 1, 2]);
    expect(new Set(deliveries.slice(0, 4).map((d) => d.headers['webhook-id'])).size).toBe(1);
    expect(deliveries.map((d) => d.status)).toEqual([500, 500, 500, 204, 204]);
    const gaps = deliveries.slice(1, 4).map((d, i) => d.at - (deliveries[i]?.at ?? 0));
    // Backoff from 40 ms, doubling, drawn from the upper half of each: at least 20, 40, 80 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(20);
    expect(gaps[1]).toBeGreaterThanOrEqual(40);
    expect(gaps[2]).toBeGreaterThanOrEqual(80);
  });

  it('marks the event failed and disables an endpoint failing for the whole window; replay and re-enable', async () => {
    const s = await sink();
    s.respond = () => 503;
    const scim = await scimTenant(t, 'whfail');
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    const { webhook } = await subscribe(scim.tenantId, s.url);
    const user = await scim.createUser({ userName: 'down@wh.test' });
    const disabled = await eventually(
      async () => (await admin.call('GET', `${base}/${webhook.id}`)).json<WebhookBody>(),
      (w) => !w.enabled,
    );
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabledReason).toContain('failed every delivery for 2 seconds');
    expect(disabled.disabledReason).toContain('HTTP 503');
    expect(disabled.deliveredSequence).toBe(1);

    const failures = (await admin.call('GET', `${base}/${webhook.id}/failures`)).json<{
      failures: { id: string; eventSequence: number; attempts: number; lastError: string; replayedAt: string | null }[];
    }>().failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      eventSequence: 1,
      lastError: 'The endpoint answered HTTP 503.',
      replayedAt: null,
    });
    expect(failures[0]?.attempts).toBeGreaterThan(1);

    // Disabled: a new event is kept, not sent.
    await scim.createGroup({ displayName: 'While down' });
    await new Promise((r) => setTimeout(r, 300));
    const sentWhileDown = s.deliveries.length;

    s.respond = () => 204;
    const replay = await admin.call('POST', `${base}/${webhook.id}/failures/${failures[0]?.id ?? ''}/replay`);
    expect(replay.json()).toEqual({ delivered: true, status: 204, error: null });
    expect(eventOf(s.deliveries.at(-1) as Delivery)).toMatchObject({ sequence: 1, resourceId: user.id });
    const after = (await admin.call('GET', `${base}/${webhook.id}/failures`)).json<{
      failures: { replayedAt: string | null }[];
    }>();
    expect(after.failures[0]?.replayedAt).not.toBeNull();
    expect(s.deliveries.length).toBe(sentWhileDown + 1);

    await admin.call('PATCH', `${base}/${webhook.id}`, { enabled: true });
    const resumed = await s.waitFor(1, (d) => eventOf(d).sequence === 2);
    expect(eventOf(resumed[0] as Delivery).type).toBe('group.created');
  });

  it('shares the work between two dispatchers on one database without losing or reordering events', async () => {
    const replica = await createTestApp({ database: t.database, env: { WEBHOOK_RETRY_BASE_MS: '40' } });
    replica.deps.dispatcher.start();
    try {
      const sinksOf = await Promise.all([sink(), sink(), sink()]);
      const scim: ScimClient = await scimTenant(t, 'whtwo');
      for (const s of sinksOf) await subscribe(scim.tenantId, s.url);
      for (let i = 0; i < 30; i += 1) await scim.createUser({ userName: `u${i}@wh.test` });
      for (const s of sinksOf) {
        const deliveries = await s.waitFor(30);
        const sequences = deliveries.map((d) => eventOf(d).sequence);
        // Each endpoint gets every event, in order; a duplicate could only follow a lost lease.
        expect([...new Set(sequences)]).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
        expect(sequences.length - new Set(sequences).size).toBe(0);
      }
    } finally {
      await replica.close();
    }
  });
});

describe('batchSize (issue 13, item 4; docs/events.md, "Batches")', () => {
  it('defaults to 1, is set on create and changed on update, and only takes whole numbers from 1 to 100', async () => {
    const scim = await scimTenant(t, 'bsize');
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    const { webhook: plain } = await subscribe(scim.tenantId, 'http://127.0.0.1:9/hook');
    expect(plain.batchSize).toBe(1);
    const { webhook: batched } = await subscribe(scim.tenantId, 'http://127.0.0.1:9/hook', undefined, 25);
    expect(batched.batchSize).toBe(25);

    const patched = await admin.call('PATCH', `${base}/${plain.id}`, { batchSize: 100 });
    expect(patched.json()).toMatchObject({ batchSize: 100 });
    expect((await admin.call('GET', `${base}/${plain.id}`)).json()).toMatchObject({ batchSize: 100 });
    const listed = (await admin.call('GET', base)).json<{ webhooks: WebhookBody[] }>().webhooks;
    expect(listed.map((w) => w.batchSize).sort((a, b) => a - b)).toEqual([25, 100]);

    for (const batchSize of [0, 101, 1.5, '10', null]) {
      const created = await admin.call('POST', base, { url: 'http://127.0.0.1:9/hook', batchSize });
      expect(created.statusCode, JSON.stringify(batchSize)).toBe(400);
      const changed = await admin.call('PATCH', `${base}/${plain.id}`, { batchSize });
      expect(changed.statusCode, JSON.stringify(batchSize)).toBe(400);
    }
    expect((await admin.call('GET', `${base}/${plain.id}`)).json()).toMatchObject({ batchSize: 100 });
  });

  it('sends up to batchSize consecutive events in one signed POST, each as the events API shows it', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'bsend');
    const { webhook, secret } = await subscribe(scim.tenantId, s.url, undefined, 10);
    // Held back while 25 events commit, so that the batches are full and their sizes known.
    const users = await heldBack(scim.tenantId, webhook.id, () => createUsers(scim, 'b', 25));

    const deliveries = await s.waitFor(3);
    const pulled = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/events?limit=100`);
    const batches = deliveries.map((d) => {
      // A Standard Webhooks verifier takes a batch as it takes a single event: the raw body, signed.
      const verified = new Webhook(secret).verify(d.body, signed(d)) as ReturnType<typeof batchOf>;
      expect(verified.type).toBe('batch');
      expect(d.headers['webhook-id']).toMatch(/^batch_[0-9a-f]{32}$/);
      return verified.events;
    });
    expect(batches.map((events) => events.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(pulled.json<{ events: ChangeEvent[] }>().events);
    expect(batches.flat().map((e) => e.resourceId)).toEqual(users);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(3);
    await vi.waitFor(async () => {
      const w = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/webhooks/${webhook.id}`);
      expect(w.json<WebhookBody>().deliveredSequence).toBe(25);
    });
    expect(s.deliveries).toHaveLength(3);
  });

  it('sends a batch of what has arrived rather than wait for a full one', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'bshort');
    await subscribe(scim.tenantId, s.url, undefined, 50);
    const user = await scim.createUser({ userName: 'alone@wh.test' });
    const [delivery] = await s.waitFor(1);
    expect(delivery && batchOf(delivery)).toMatchObject({
      type: 'batch',
      events: [{ type: 'user.created', resourceId: user.id }],
    });
  });

  it('batches only the event types the subscription wants, and moves past the others', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'bfilter');
    const { webhook } = await subscribe(scim.tenantId, s.url, ['group.created'], 3);
    const groups = await heldBack(scim.tenantId, webhook.id, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        await scim.createUser({ userName: `f${i}@wh.test` });
        ids.push((await scim.createGroup({ displayName: `Batch ${i}` })).id);
      }
      await scim.createUser({ userName: 'last@wh.test' });
      return ids;
    });
    const deliveries = await s.waitFor(2);
    expect(deliveries.map((d) => batchOf(d).events.map((e) => e.resourceId))).toEqual([
      groups.slice(0, 3),
      groups.slice(3),
    ]);
    // Past the user events after the last group too.
    await vi.waitFor(async () => {
      const w = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/webhooks/${webhook.id}`);
      expect(w.json<WebhookBody>().deliveredSequence).toBe(9);
    });
  });

  it('retries a failed batch with exactly its events and webhook-id, though more events arrived meanwhile', async () => {
    const s = await sink();
    let failing = true;
    s.respond = () => (failing ? 500 : 204);
    const scim = await scimTenant(t, 'bretry');
    const { webhook } = await subscribe(scim.tenantId, s.url, undefined, 10);
    await heldBack(scim.tenantId, webhook.id, () => createUsers(scim, 'r', 3));
    await s.waitFor(2);
    // Committed while the batch of three is being retried: they would fit in it, but wait.
    await createUsers(scim, 'late', 2);
    const before = s.deliveries.length;
    await s.waitFor(before + 1);
    failing = false;
    const done = await s.waitFor(1, (d) => d.status === 204 && batchOf(d).events.some((e) => e.sequence === 5));

    const attempts = s.deliveries.filter((d) => batchOf(d).events[0]?.sequence === 1);
    expect(attempts.length).toBeGreaterThan(before);
    expect(attempts.map((d) => d.status)).toEqual([...attempts.slice(1).map(() => 500), 204]);
    expect(new Set(attempts.map((d) => d.headers['webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((d) => d.body)).size).toBe(1);
    expect(batchOf(attempts[0] as Delivery).events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(done.map((d) => batchOf(d).events.map((e) => e.sequence))).toEqual([[4, 5]]);
  });

  it('records every event of a batch that failed for the whole window, disables, and replays one as a batch of one', async () => {
    const s = await sink();
    s.respond = () => 503;
    const scim = await scimTenant(t, 'bfail');
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    const { webhook, secret } = await subscribe(scim.tenantId, s.url, undefined, 5);
    const users = await heldBack(scim.tenantId, webhook.id, () => createUsers(scim, 'x', 3));

    const disabled = await vi.waitFor(
      async () => {
        const w = (await admin.call('GET', `${base}/${webhook.id}`)).json<WebhookBody>();
        if (w.enabled) throw new Error('still enabled');
        return w;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(disabled.disabledReason).toContain('events 1 to 3 were marked failed');
    expect(disabled.deliveredSequence).toBe(3);
    // Every attempt carried the same three events.
    expect(new Set(s.deliveries.map((d) => d.body)).size).toBe(1);

    const failures = (await admin.call('GET', `${base}/${webhook.id}/failures`)).json<{
      failures: { id: string; eventSequence: number; attempts: number; lastError: string }[];
    }>().failures;
    expect(failures.map((f) => f.eventSequence)).toEqual([1, 2, 3]);
    for (const failure of failures) {
      expect(failure).toMatchObject({ lastError: 'The endpoint answered HTTP 503.', attempts: s.deliveries.length });
    }

    s.respond = () => 204;
    const replay = await admin.call('POST', `${base}/${webhook.id}/failures/${failures[1]?.id ?? ''}/replay`);
    expect(replay.json()).toEqual({ delivered: true, status: 204, error: null });
    const replayed = s.deliveries.at(-1) as Delivery;
    expect(new Webhook(secret).verify(replayed.body, signed(replayed))).toMatchObject({
      type: 'batch',
      events: [{ sequence: 2, resourceId: users[1] }],
    });
  });

  it('keeps a batchSize of 1 byte for byte as before: the event is the body, its id the webhook-id', async () => {
    const s = await sink();
    const scim = await scimTenant(t, 'bone');
    await subscribe(scim.tenantId, s.url, undefined, 1);
    await scim.createUser({ userName: 'one@wh.test' });
    const [delivery] = await s.waitFor(1);
    const [event] = (await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/events`)).json<{
      events: ChangeEvent[];
    }>().events;
    expect(delivery?.body).toBe(JSON.stringify(event));
    expect(delivery?.headers['webhook-id']).toBe(event?.id);
  });
});

/** A promise the test resolves when it chooses. */
function gate(): { readonly opened: Promise<void>; open: () => void } {
  let open: () => void = () => {
    throw new Error('the gate is not ready');
  };
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** A store whose cursor writes wait at a gate the test opens, and which counts them. */
class GatedStore extends WebhookStore {
  readonly writes: number[] = [];
  landed = 0;
  readonly gate = gate();

  override async advance(q: Sql, lease: WebhookLease, sequence: number): Promise<boolean> {
    this.writes.push(sequence);
    await this.gate.opened;
    const kept = await super.advance(q, lease, sequence);
    this.landed = Math.max(this.landed, sequence);
    return kept;
  }
}

describe('the cursor behind the deliveries (docs/events.md, "Guarantees")', () => {
  it('writes the cursor once for the deliveries acknowledged meanwhile, and sends at most 4 past the last write', async () => {
    const scim = await scimTenant(t, 'bcursor');
    const url = 'http://127.0.0.1:9/cursor-test';
    const { webhook } = await subscribe(scim.tenantId, url);
    const total = 20;
    const store = new GatedStore();
    const sent: number[] = [];
    // Deliveries already acknowledged whose cursor write had not landed when the next one went out.
    const ahead: number[] = [];
    const send = (to: string, _secrets: unknown, message: WebhookMessage): Promise<DeliveryOutcome> => {
      // Other tests' subscriptions, all delivered by now, are no concern of this one.
      if (to !== url) return Promise.resolve({ ok: true, status: 204 });
      const { sequence } = JSON.parse(message.body) as ChangeEvent;
      ahead.push(sent.filter((s) => s > store.landed).length);
      sent.push(sequence);
      return Promise.resolve({ ok: true, status: 204 });
    };
    const dispatcher = new Dispatcher(t.deps.db, store, new OutboxStore(), {
      webhooks: t.deps.config.webhooks,
      secrets: new WebhookSecrets(t.deps.secrets.webhookSecretKeys),
      retentionDays: 30,
      logger: t.deps.logger,
      concurrency: 1,
      maxUnrecorded: 4,
      send,
    });
    await heldBack(scim.tenantId, webhook.id, async () => {
      await createUsers(scim, 'c', total);
      await t.deps.dispatcher.stop();
    });
    dispatcher.start();
    try {
      // The first write (event 1) is held: events 2 to 4 go out behind it, then delivery waits.
      await vi.waitFor(() => {
        expect(sent).toEqual([1, 2, 3, 4]);
      });
      expect(store.writes).toEqual([1]);
      store.gate.open();
      await vi.waitFor(async () => {
        const w = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/webhooks/${webhook.id}`);
        expect(w.json<WebhookBody>().deliveredSequence).toBe(total);
      });
    } finally {
      await dispatcher.stop();
      t.deps.dispatcher.start();
    }
    expect(sent).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Once released, the held write landed and the next one covered events 2 to 4 at once.
    expect(store.writes[1]).toBe(4);
    expect(store.writes.length).toBeLessThan(total);
    // At most 3 acknowledged and unrecorded when the 4th went out: a crash could repeat those 4 only.
    expect(Math.max(...ahead)).toBe(3);
  });
});
