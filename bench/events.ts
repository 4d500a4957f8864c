import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { measure, type LoadOptions, type Measurement } from './load.js';
import type { BenchRequest, RunData, Scenario } from './scenarios.js';
import { TENANT_ID } from './seed.js';
import { HOST } from './servers.js';

/** What the receiver saw of one event. */
interface Arrival {
  readonly sequence: number;
  /** occurredAt: the writing transaction's time, which for a create is its commit to within a ms. */
  readonly occurredAt: number;
  readonly receivedAt: number;
}

export interface EventsResult {
  readonly writes: Measurement;
  readonly expected: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Deliveries per second while the writes ran. */
  readonly deliveredPerSecond: number;
  /** Events committed per second over the same span. */
  readonly committedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Seconds from the end of the writes until the last event arrived. */
  readonly drainSeconds: number;
  /** Deliveries per second once the writes stopped: what one subscription takes when the machine is free. */
  readonly drainPerSecond: number;
  /** The events API long polls of a follower reading alongside: commit to read, ms. */
  readonly longPoll: { readonly read: number; readonly p50Ms: number; readonly p99Ms: number };
}

/**
 * Requests at a steady pace, one every 1000/rate ms (autocannon's rate limit releases each
 * second's requests together, and a burst is not what a commit-to-delivery latency should
 * measure).
 */
async function pacedLoad(
  origin: string,
  token: string,
  next: () => BenchRequest,
  rate: number,
  seconds: number,
): Promise<Measurement> {
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / rate;
  const start = performance.now();
  for (let i = 0; performance.now() - start < seconds * 1000; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const request = next();
    const sent = performance.now();
    const done = fetch(`${origin}${request.path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(request.body === undefined ? {} : { body: request.body }),
    })
      .then(async (response) => {
        const body = await response.text();
        if (response.status < 200 || response.status > 299) {
          failures += 1;
          firstFailure ??= `${response.status} ${body.slice(0, 300)}`;
        } else latencies.push(performance.now() - sent);
      })
      .catch((error: unknown) => {
        failures += 1;
        firstFailure ??= String(error);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    sent: latencies.length + failures,
    failures,
    firstFailure,
  };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

async function lastSequence(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ event_sequence: string }>(
      'SELECT event_sequence FROM tenants WHERE id = $1',
      [TENANT_ID],
    );
    return Number(rows[0]?.event_sequence ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * A client of the events API that follows the tenant's events as an app would, with long polls
 * (docs/events.md): when each event was read, for the time from its commit. A poll answers as
 * soon as an event is there; wait=1 only bounds how long stop() waits for the last one.
 */
function followEvents(origin: string, adminToken: string, after: number) {
  const reads: Arrival[] = [];
  const state = { stopping: false };
  const done = (async () => {
    let cursor = after;
    while (!state.stopping) {
      const response = await fetch(`${origin}/admin/v1/tenants/${TENANT_ID}/events?after=${cursor}&limit=1000&wait=1`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const receivedAt = Date.now();
      if (response.status !== 200) throw new Error(`events API: ${response.status} ${await response.text()}`);
      const page = (await response.json()) as {
        events: { sequence: number; occurredAt: string }[];
        nextCursor: string;
      };
      for (const event of page.events) {
        reads.push({ sequence: event.sequence, occurredAt: Date.parse(event.occurredAt), receivedAt });
      }
      cursor = Number(page.nextCursor);
    }
  })();
  return {
    reads,
    stop: async () => {
      state.stopping = true;
      await done;
    },
  };
}

/**
 * Runs the create load against a service that has a webhook subscription to a receiver in this
 * process, then waits for every event the load produced: how many arrived, how fast, how late
 * after their commit, and whether any was lost or came twice.
 */
export async function measureEvents(
  origin: string,
  token: string,
  adminToken: string,
  databaseUrl: string,
  create: Scenario,
  data: RunData,
  load: LoadOptions,
  batchSize = 1,
): Promise<EventsResult> {
  const arrivals: Arrival[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const receivedAt = Date.now();
      type Delivered = { sequence: number; occurredAt: string };
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivered | { events: Delivered[] };
      // A batch (docs/events.md, "Batches") carries its events in order.
      for (const event of 'events' in body ? body.events : [body]) {
        arrivals.push({ sequence: event.sequence, occurredAt: Date.parse(event.occurredAt), receivedAt });
      }
      response.writeHead(204).end();
    });
  });
  receiver.listen(0, HOST);
  await once(receiver, 'listening');
  let unsubscribe = async () => {};
  try {
    const { port } = receiver.address() as AddressInfo;
    const subscribed = await fetch(`${origin}/admin/v1/tenants/${TENANT_ID}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://${HOST}:${port}/events`, batchSize }),
    });
    if (subscribed.status !== 201)
      throw new Error(`subscribing failed: ${subscribed.status} ${await subscribed.text()}`);
    const webhook = (await subscribed.json()) as { id: string };
    unsubscribe = () =>
      fetch(`${origin}/admin/v1/tenants/${TENANT_ID}/webhooks/${webhook.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminToken}` },
      }).then(() => undefined);
    // A paced run warms up first, like autocannon's, and only what follows is measured: from
    // the moment the warm-up's events have all arrived (a fresh worker process starts cold).
    if (load.rate !== undefined) {
      await pacedLoad(origin, token, create.requests(data), load.rate, load.warmupSeconds);
      const warmedUp = await lastSequence(databaseUrl);
      const deadline = Date.now() + 30_000;
      while (!arrivals.some((a) => a.sequence >= warmedUp) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const first = await lastSequence(databaseUrl);
    const follower = followEvents(origin, adminToken, first);

    const started = Date.now();
    const writes =
      load.rate === undefined
        ? await measure(origin, token, create.requests(data), load)
        : await pacedLoad(origin, token, create.requests(data), load.rate, load.seconds);
    const ended = Date.now();
    const last = await lastSequence(databaseUrl);
    const expected = last - first;

    // Requests still in flight when the load stopped may commit after `last`: they are not counted.
    const counted = () => arrivals.filter((a) => a.sequence > first && a.sequence <= last);
    const distinct = () => new Set(counted().map((a) => a.sequence)).size;
    const deadline = Date.now() + 120_000;
    while (distinct() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const delivered = distinct();
    await follower.stop();
    const polled = follower.reads
      .filter((a) => a.sequence > first && a.sequence <= last)
      .map((a) => a.receivedAt - a.occurredAt)
      .sort((a, b) => a - b);
    const latencies = counted()
      .map((a) => a.receivedAt - a.occurredAt)
      .sort((a, b) => a - b);
    const duringLoad = arrivals.filter((a) => a.receivedAt >= started && a.receivedAt <= ended).length;
    const lastArrival = arrivals.reduce((latest, a) => Math.max(latest, a.receivedAt), ended);
    const afterLoad = arrivals.filter((a) => a.receivedAt > ended).length;
    return {
      writes,
      expected,
      delivered,
      lost: expected - delivered,
      duplicates: counted().length - delivered,
      deliveredPerSecond: duringLoad / ((ended - started) / 1000),
      // The events the load committed over the same span (its warm-up included, as above).
      committedPerSecond: expected / ((ended - started) / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      drainSeconds: (lastArrival - ended) / 1000,
      drainPerSecond: afterLoad < 100 || lastArrival - ended < 100 ? 0 : afterLoad / ((lastArrival - ended) / 1000),
      longPoll: { read: polled.length, p50Ms: percentile(polled, 50), p99Ms: percentile(polled, 99) },
    };
  } finally {
    // The next run subscribes a receiver of its own; this one must not keep a dispatcher busy.
    await unsubscribe();
    receiver.closeAllConnections();
    receiver.close();
  }
}
