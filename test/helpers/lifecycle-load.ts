import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { webhookSink } from './webhook-sink.js';

/**
 * Concurrent user lifecycles over real HTTP, the load an identity provider's sync puts on a
 * tenant: each of `clients` loops create → PATCH → PATCH active=false → DELETE, while a webhook
 * subscription receives the tenant's events, an events API reader follows them with long-polls,
 * and readers of an idle tenant hold long-polls open the whole time. Speaks only HTTP (no src/
 * imports), so the in-process tests and the black-box suite run the same scenario.
 */
export interface ServiceUnderLoad {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly adminToken: string;
}

export interface LifecycleLoadOptions {
  readonly clients?: number;
  readonly lifecyclesPerClient?: number;
  /** The events API `wait` of every long-poll, in seconds. */
  readonly waitSeconds?: number;
  /** Idle-tenant long-polls held open side by side during the load. */
  readonly idleReaders?: number;
}

export interface SeenEvent {
  readonly id: string;
  readonly type: string;
  readonly sequence: number;
  readonly resourceId: string;
}

export interface LifecycleRun {
  readonly lifecycles: number;
  /** Writes that answered what they should, each of which appends exactly one event. */
  readonly writes: number;
  /** Every SCIM request that did not answer its step's status, with what it answered. */
  readonly failures: string[];
  /** Every SCIM request's duration, ms. */
  readonly latenciesMs: number[];
  /** Each lifecycle's user id, for those that were created. */
  readonly users: string[];
  /** What the webhook receiver got, in arrival order. */
  readonly delivered: SeenEvent[];
  /** What the events API reader got, in the order it read them. */
  readonly polled: SeenEvent[];
  /** The idle tenant's long-polls: how long each was held and how many events it returned. */
  readonly idlePolls: { readonly ms: number; readonly events: number }[];
  /** From the first lifecycle request to the last answer. */
  readonly elapsedMs: number;
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Per user, in sequence order (docs/events.md, "What each write appends"). */
export const LIFECYCLE_EVENTS = ['user.created', 'user.updated', 'user.deactivated', 'user.deleted'];

const REQUEST_TIMEOUT_MS = 20_000;

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
}

async function send(url: string, token: string, method: string, body?: unknown, signal?: AbortSignal): Promise<Answer> {
  const started = performance.now();
  // A request that hangs is a failure to report, not a test that times out.
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

async function tenantWithToken(service: ServiceUnderLoad, prefix: string): Promise<{ id: string; token: string }> {
  const id = `${prefix}-${randomBytes(4).toString('hex')}`;
  const admin = (path: string, body: unknown) =>
    fetch(`${service.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const tenant = await admin('/admin/v1/tenants', { id, name: `Load ${id}` });
  if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${await tenant.text()}`);
  const issued = await admin(`/admin/v1/tenants/${id}/tokens`, { description: 'load' });
  if (issued.status !== 201) throw new Error(`token: ${issued.status} ${await issued.text()}`);
  return { id, token: ((await issued.json()) as { token: string }).token };
}

const seen = (e: SeenEvent): SeenEvent => ({
  id: e.id,
  type: e.type,
  sequence: e.sequence,
  resourceId: e.resourceId,
});

export async function runLifecycleLoad(
  service: ServiceUnderLoad,
  options: LifecycleLoadOptions = {},
): Promise<LifecycleRun> {
  const clients = options.clients ?? 8;
  const perClient = options.lifecyclesPerClient ?? 15;
  const wait = options.waitSeconds ?? 5;
  const busy = await tenantWithToken(service, 'load');
  const idle = await tenantWithToken(service, 'idle');
  const sink = await webhookSink();
  try {
    const subscribed = await fetch(`${service.origin}/admin/v1/tenants/${busy.id}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: sink.url }),
    });
    if (subscribed.status !== 201) throw new Error(`webhook: ${subscribed.status} ${await subscribed.text()}`);
    const events = (tenant: string, after: number, signal?: AbortSignal) =>
      send(
        `${service.origin}/admin/v1/tenants/${tenant}/events?after=${after}&limit=1000&wait=${wait}`,
        service.adminToken,
        'GET',
        undefined,
        signal,
      );

    const failures: string[] = [];
    // A reader's failure is recorded like a request's; the reader stops.
    const recorded = (name: string, loop: () => Promise<void>) =>
      loop().catch((error: unknown) => {
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      });
    let loadDone = false;
    // Readers of a tenant with nothing new: each request is held `wait` seconds.
    const idlePolls: { ms: number; events: number }[] = [];
    const idleReaders = Array.from({ length: options.idleReaders ?? 2 }, () =>
      recorded('idle long-poll', async () => {
        while (!loadDone) {
          const answer = await events(idle.id, 0);
          if (answer.status !== 200) throw new Error(`${answer.status} ${answer.text.slice(0, 200)}`);
          idlePolls.push({ ms: answer.ms, events: (JSON.parse(answer.text) as { events: unknown[] }).events.length });
        }
      }),
    );
    // The busy tenant's reader follows nextCursor until it has every event the writes appended.
    const polled: SeenEvent[] = [];
    let expected = Number.POSITIVE_INFINITY;
    let readUntil = Number.POSITIVE_INFINITY;
    const stopReader = new AbortController();
    const reader = recorded('events long-poll', async () => {
      let cursor = 0;
      while (polled.length < expected && Date.now() < readUntil) {
        let answer: Answer;
        try {
          answer = await events(busy.id, cursor, stopReader.signal);
        } catch (error) {
          if (stopReader.signal.aborted) return;
          throw error;
        }
        if (answer.status !== 200) throw new Error(`${answer.status} ${answer.text.slice(0, 200)}`);
        const page = JSON.parse(answer.text) as { events: SeenEvent[]; nextCursor: string };
        polled.push(...page.events.map(seen));
        cursor = Number(page.nextCursor);
      }
    });
    // The idle long-polls are held before the load starts.
    await new Promise((r) => setTimeout(r, 300));

    const latenciesMs: number[] = [];
    const users: string[] = [];
    let writes = 0;
    const scim = async (method: string, path: string, status: number, body?: unknown): Promise<Answer | undefined> => {
      let answer: Answer;
      try {
        answer = await send(`${service.origin}/scim/v2/${busy.id}${path}`, busy.token, method, body);
      } catch (error) {
        failures.push(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
      latenciesMs.push(answer.ms);
      if (answer.status !== status) {
        failures.push(`${method} ${path}: ${answer.status} ${answer.text.slice(0, 200)}`);
        return undefined;
      }
      writes += 1;
      return answer;
    };
    const patch = (id: string, path: string, value: unknown) =>
      scim('PATCH', `/Users/${id}`, 200, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path, value }],
      });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let n = 0; n < perClient; n += 1) {
          const created = await scim('POST', '/Users', 201, {
            schemas: [USER_SCHEMA],
            userName: `c${client}-n${n}@load.example.test`,
            active: true,
          });
          if (created === undefined) continue;
          const id = (JSON.parse(created.text) as { id: string }).id;
          users.push(id);
          if ((await patch(id, 'title', `Title ${n}`)) === undefined) continue;
          if ((await patch(id, 'active', false)) === undefined) continue;
          await scim('DELETE', `/Users/${id}`, 204);
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    loadDone = true;
    expected = writes;
    readUntil = Date.now() + 30_000;
    if (polled.length >= expected) stopReader.abort();

    await reader;
    // Every event arrives within the deadline; a duplicate would arrive soon after the last.
    await sink.waitFor(writes, undefined, 30_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(idleReaders);
    const delivered = sink.deliveries.map((d) => seen(JSON.parse(d.body) as SeenEvent));
    return {
      lifecycles: clients * perClient,
      writes,
      failures,
      latenciesMs,
      users,
      delivered,
      polled,
      idlePolls,
      elapsedMs,
    };
  } finally {
    await sink.close();
  }
}

/**
 * Every request answered as on an idle server; every event was delivered once and in sequence
 * order, by webhook and by the events API alike; and the idle tenant's long-polls, held for
 * their whole wait, never held up a SCIM request.
 */
export function expectIsolatedLifecycles(run: LifecycleRun, waitSeconds = 5): void {
  expect(run.failures).toEqual([]);
  expect(run.users).toHaveLength(run.lifecycles);
  expect(run.writes).toBe(run.lifecycles * LIFECYCLE_EVENTS.length);
  const all = Array.from({ length: run.writes }, (_, i) => i + 1);
  expect(run.delivered.map((e) => e.sequence)).toEqual(all);
  expect(new Set(run.delivered.map((e) => e.id)).size).toBe(run.writes);
  expect(run.polled.map((e) => e.id)).toEqual(run.delivered.map((e) => e.id));
  const byUser = new Map<string, string[]>();
  for (const event of run.delivered)
    byUser.set(event.resourceId, [...(byUser.get(event.resourceId) ?? []), event.type]);
  expect([...byUser.keys()].sort()).toEqual([...run.users].sort());
  for (const types of byUser.values()) expect(types).toEqual(LIFECYCLE_EVENTS);
  // Each idle long-poll was held its whole wait, so they were open throughout the load...
  expect(run.idlePolls.length).toBeGreaterThan(0);
  for (const poll of run.idlePolls) {
    expect(poll.events).toBe(0);
    expect(poll.ms).toBeGreaterThanOrEqual(waitSeconds * 1000 - 200);
  }
  // ...and no SCIM request waited for one of them to end.
  expect(Math.max(...run.latenciesMs)).toBeLessThan(waitSeconds * 1000 - 500);
}
