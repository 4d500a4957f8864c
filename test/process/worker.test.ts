import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startService, WORKER_ENTRY, type ServiceProcess } from '../helpers/process.js';
import { scimTenant } from '../helpers/scim.js';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';

// npm run worker: the dispatcher as its own process (issue 5, point 4).

let t: TestApp;
let sink: WebhookSink;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestApp();
  sink = await webhookSink();
});
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await sink.close();
  await t.close();
});

function worker(env: Record<string, string> = {}): ServiceProcess {
  const p = startService(
    {
      DATABASE_URL: t.database.url,
      ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      // The key the app that made the subscriptions encrypted their secrets with, as replicas share it.
      WEBHOOK_SECRET_ENCRYPTION_KEYS: t.env['WEBHOOK_SECRET_ENCRYPTION_KEYS'] ?? '',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      // A 1 s attempt timeout makes the lease 3 s: a killed worker's subscriptions free up soon.
      WEBHOOK_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'info',
      ...env,
    },
    WORKER_ENTRY,
  );
  running.push(p);
  return p;
}

const sequenceOf = (body: string) => (JSON.parse(body) as { sequence: number }).sequence;

describe('the webhook worker process', () => {
  it('loses nothing when killed with SIGKILL mid-batch and restarted; only the last events sent can come twice', async () => {
    const scim = await scimTenant(t, 'worker');
    const created = await adminClient(t.app, t.adminToken).call('POST', `/admin/v1/tenants/${scim.tenantId}/webhooks`, {
      url: sink.url,
    });
    expect(created.statusCode).toBe(201);
    const total = 40;
    for (let i = 0; i < total; i += 1) await scim.createUser({ userName: `k${i}@worker.test` });
    // Slow answers keep a delivery in flight when the kill lands.
    sink.delayMs = 40;

    const first = worker();
    await first.waitFor(/webhook worker started/);
    await sink.waitFor(10);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = sink.deliveries.length;

    const second = worker();
    await second.waitFor(/webhook worker started/);
    const deliveries = await sink.waitFor(total, undefined, 20_000).then(() =>
      // Wait until every sequence has arrived, duplicates aside.
      (async () => {
        for (;;) {
          const seen = new Set(sink.deliveries.map((d) => sequenceOf(d.body)));
          if (seen.size >= total) return sink.deliveries;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
    );
    const sequences = deliveries.map((d) => sequenceOf(d.body));
    const distinct = [...new Set(sequences)];
    expect(distinct).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Each first arrival comes in sequence order.
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    // At-least-once: the event in flight when the kill landed, and the one before it whose cursor
    // write may not have landed, can be sent again; nothing else is.
    const repeated = sequences.filter((s, i) => sequences.indexOf(s) !== i);
    expect(repeated.length).toBeLessThanOrEqual(2);
    const lastBeforeKill = Math.max(...sequences.slice(0, beforeRestart));
    for (const sequence of repeated) expect(sequence).toBeGreaterThanOrEqual(lastBeforeKill - 1);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 60_000);

  it('refuses to start without DATABASE_URL, saying why', async () => {
    const p = startService({ LOG_LEVEL: 'info' }, WORKER_ENTRY);
    running.push(p);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('DATABASE_URL is required');
  });
});
