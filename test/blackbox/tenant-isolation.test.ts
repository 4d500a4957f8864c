import { spawn } from 'node:child_process';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FloodReport } from './flood-client.js';
import { ERROR_SCHEMA, MODES, startBlackBox, USER_SCHEMA, type BlackBox, type Mode, type Tenant } from './harness.js';

/**
 * Issue 11, finding 10 (OWASP API4): one tenant flooding the service must not starve another.
 * The built service with its default limits (each tenant at most half of DATABASE_POOL_SIZE, 5,
 * requests in flight), over TCP, in both database modes. The flood is abusive: 64 clients, the
 * costliest requests the service takes (root searches a full page deep) between writes, and a
 * new request the moment a 429 comes, Retry-After or not.
 *
 * What the calm tenant still shares with the flooding one is the service's single event loop:
 * the 5 admitted requests, and the refusal of every other, take CPU there (and, in the embedded
 * mode, the one database connection on that same thread). Measured on a 2-core machine running
 * the flood, the calm clients, the service and PostgreSQL at once (docs/operations.md): p50
 * 160–235 ms in either mode, p99 0.4–0.6 s with a server and 0.7–0.9 s embedded, against 2–10 ms
 * unloaded; with another test suite running on the same cores, p50 up to 0.8 s, p99 up to 1.1 s
 * with a server and 2.3 s embedded. The bounds sit above the loaded runs. Without the limit
 * (TENANT_MAX_CONCURRENT_REQUESTS=0) the flooding tenant gets no 429, which fails this test, and
 * the calm one's p50 was 0.7–1.9 s and p99 1.3–2.1 s, growing with the number of flooding clients,
 * each of which queues ahead of it.
 */
const P50_BOUND_MS = 1_500;
// Twice the worst loaded run: CI runs this file beside others on the same two cores.
const P99_BOUND_MS: Record<Mode, number> = { server: 3_000, embedded: 5_000 };
/** Enough requests for the percentiles to mean something. */
const MIN_CALM_REQUESTS = 10;
const FLOOD_CLIENTS = 64;
/** The calm tenant's clients, each sending one request after another (within its limit). */
const CALM_CLIENTS = 3;
const FLOOD_MS = 6_000;
/** Time the flood takes to reach its steady state (64 connections, 5 requests admitted). */
const FLOOD_RAMP_MS = 1_000;
/** Time for the flood process to start (node with the tsx loader) before it floods. */
const FLOOD_STARTUP_MS = 3_000;
/** The default: half of DATABASE_POOL_SIZE (10). */
const TENANT_LIMIT = 5;
/** How deep a root search may reach: the largest page (src/provisioning/search-all.ts). */
const ROOT_SEARCH_DEPTH = 1_000;
const FLOOD_CLIENT = join(import.meta.dirname, 'flood-client.ts');

const BULK_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function seed(box: BlackBox, tenant: Tenant, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 1000) {
    const res = await box.scim(tenant, 'POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `u${i}`,
        data: {
          schemas: [USER_SCHEMA],
          userName: `${prefix}${start + i}@seed.test`,
          name: { givenName: 'Seeded', familyName: `User ${start + i}` },
          emails: [{ value: `${prefix}${start + i}@seed.test`, type: 'work', primary: true }],
        },
      })),
    });
    expect(res.status).toBe(200);
    const ops = (res.json as { Operations: { status: string; location: string }[] }).Operations;
    expect(ops.every((o) => o.status === '201')).toBe(true);
    ids.push(...ops.map((o) => o.location.split('/').at(-1) ?? ''));
  }
  return ids;
}

/** Runs the flooding tenant's clients in their own process from `startAt` to `endAt`. */
function flood(tenant: Tenant, startAt: number, endAt: number): Promise<FloodReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', FLOOD_CLIENT], {
    env: {
      ...process.env,
      FLOOD: JSON.stringify({
        base: tenant.base,
        token: tenant.token,
        clients: FLOOD_CLIENTS,
        startAt,
        endAt,
        searchDepth: ROOT_SEARCH_DEPTH,
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return new Promise<FloodReport>((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as FloodReport);
      else reject(new Error(`flood client exited ${String(code)}: ${out}\n${err}`));
    });
  });
}

/**
 * A request of the tenant whose headers are sent and whose body never completes: the service
 * authenticates it, and admits it, on its headers, and it stays in flight until the socket goes.
 */
async function heldRequest(box: BlackBox, tenant: Tenant, token = tenant.token): Promise<Socket> {
  const socket = connect(box.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const body = JSON.stringify({ schemas: [USER_SCHEMA], userName: 'held@held.test' });
  socket.write(
    `POST ${tenant.path}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/scim+json\r\nContent-Length: ${body.length + 100}\r\n\r\n${body}`,
  );
  return socket;
}

/**
 * The calm tenant's client: a few connections, opened once and kept, as an identity provider's
 * HTTP client keeps them. A connection opened while the service is saturated waits long to be
 * accepted (2 s and more was seen on the 2-core machine): the flood's cost to new connections, not
 * to the calm tenant's requests, which is what is measured here.
 */
function calmClient(box: BlackBox, tenant: Tenant, connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: box.port,
          path: `${tenant.path}${path}`,
          method,
          agent,
          headers: {
            authorization: `Bearer ${tenant.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            resolve(response.statusCode ?? 0);
          });
        },
      );
      request.on('error', reject);
      request.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    call,
    /** Opens every connection: as many requests at once as there are connections. */
    warm: () => Promise.all(Array.from({ length: connections }, () => call('GET', '/Users?count=1'))),
    close: () => {
      agent.destroy();
    },
  };
}

describe.each(MODES)('one tenant flooding the service (%s database)', (mode) => {
  let box: BlackBox;
  let a: Tenant;
  let b: Tenant;
  let bUsers: string[];
  beforeAll(async () => {
    box = await startBlackBox(mode);
    a = await box.tenant();
    b = await box.tenant();
    // Enough that the flood's root searches read their full depth from the start.
    await seed(box, a, 'a', ROOT_SEARCH_DEPTH);
    bUsers = await seed(box, b, 'b', 20);
  });
  afterAll(async () => {
    await box.stop();
  });

  /**
   * The tenant can have its whole limit in flight: with limit - 1 requests held open another is
   * served, and with the limit held it is refused. Requests that come one after another prove
   * nothing here, as the service answers each cheap one before it reads the next. Retried until
   * the tenant's earlier requests (a flood's, abandoned ones still running) are over: a slot that
   * leaked makes it fail for good.
   */
  const expectFullConcurrency = async (tenant: Tenant) => {
    const probe = async () => (await box.scim(tenant, 'GET', '/ServiceProviderConfig')).status;
    await vi.waitFor(
      async () => {
        const held = await Promise.all(Array.from({ length: TENANT_LIMIT - 1 }, () => heldRequest(box, tenant)));
        try {
          // Time for the service to accept and admit the held requests before the probe.
          await new Promise((r) => setTimeout(r, 300));
          expect(await probe()).toBe(200);
          held.push(await heldRequest(box, tenant));
          await new Promise((r) => setTimeout(r, 300));
          expect(await probe()).toBe(429);
        } finally {
          for (const socket of held) socket.destroy();
        }
      },
      { timeout: 20_000, interval: 200 },
    );
  };

  it("keeps another tenant's p99 bounded while one floods and is answered 429 with Retry-After; the flooder recovers", async () => {
    // The flood process gets time to start; then both run on the shared clock.
    const startAt = Date.now() + FLOOD_STARTUP_MS;
    const endAt = startAt + FLOOD_MS;
    const flooding = flood(a, startAt, endAt);
    // The calm tenant's connections, and the service's database connections for it, opened just
    // before the flood.
    const calm = calmClient(box, b, CALM_CLIENTS);
    const latencies: number[] = [];
    const bStatuses: number[] = [];
    try {
      await new Promise((r) => setTimeout(r, startAt - 500 - Date.now()));
      await calm.warm();
      // Measured once the flood is in full swing, until just before it ends.
      await new Promise((r) => setTimeout(r, startAt + FLOOD_RAMP_MS - Date.now()));
      // The calm tenant: a few identity-provider syncs at once, each one request after another.
      await Promise.all(
        Array.from({ length: CALM_CLIENTS }, async (_, client) => {
          for (let n = client; Date.now() < endAt - 250; n += CALM_CLIENTS) {
            const started = performance.now();
            const step = n % 3;
            const status =
              step === 0
                ? await calm.call('GET', `/Users/${bUsers[n % bUsers.length] ?? ''}`)
                : step === 1
                  ? await calm.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: `calm-${n}@b.test` })
                  : await calm.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "b${n % 20}@seed.test"`)}`);
            latencies.push(performance.now() - started);
            bStatuses.push(status);
          }
        }),
      );
    } finally {
      calm.close();
    }
    const report = await flooding;
    // The flood did run all the while the calm tenant was measured.
    expect(report.firstAnswerAt).toBeLessThan(startAt + 1_000);
    expect(report.lastAnswerAt).toBeGreaterThan(endAt - 500);

    const sorted = [...latencies].sort((x, y) => x - y);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(
      `[${mode}] tenant B (${CALM_CLIENTS} clients) under a ${FLOOD_CLIENTS}-client flood by tenant A: ${latencies.length} requests, ` +
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms ` +
        `(bounds ${P50_BOUND_MS} and ${P99_BOUND_MS[mode]} ms); tenant A: ${JSON.stringify(report.statuses)}, ` +
        `median ms ${JSON.stringify(report.medianMs)}, ` +
        `${report.networkErrors} network errors`,
    );

    // The flooding tenant was held to its share, with answers a SCIM client acts on.
    expect(report.networkErrors).toBe(0);
    expect(report.statuses['429'] ?? 0).toBeGreaterThan(0);
    expect((report.statuses['200'] ?? 0) + (report.statuses['201'] ?? 0)).toBeGreaterThan(0);
    expect(Object.keys(report.statuses).filter((s) => Number(s) >= 500)).toEqual([]);
    expect(report.refusals.length).toBeGreaterThan(0);
    for (const refusal of report.refusals) {
      expect(refusal.retryAfter).toBe('1');
      expect(refusal.contentType).toBe('application/scim+json');
      expect(refusal.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '429' });
    }
    // The calm tenant was never refused nor failed, and kept its latency.
    expect(latencies.length).toBeGreaterThanOrEqual(MIN_CALM_REQUESTS);
    expect(bStatuses.filter((s) => s === 429 || s >= 500)).toEqual([]);
    expect(p50).toBeLessThan(P50_BOUND_MS);
    expect(p99).toBeLessThan(P99_BOUND_MS[mode]);

    // Once the flood is over, the flooding tenant is served again, to its full concurrency.
    let attempt = 0;
    await vi.waitFor(
      async () => {
        attempt += 1;
        const after = { schemas: [USER_SCHEMA], userName: `after-${attempt}@flood.test` };
        expect((await box.scim(a, 'POST', '/Users', after)).status).toBe(201);
      },
      { timeout: 10_000, interval: 100 },
    );
    await expectFullConcurrency(a);
  }, 90_000);

  it('never leaks a slot: after clients disconnect mid-request the tenant reaches its full concurrency again', async () => {
    for (let round = 0; round < 3; round += 1) {
      // Clients that go away before their body is complete (expectFullConcurrency's held
      // requests, each round), and clients that give up while their request is being served.
      await expectFullConcurrency(a);
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          await fetch(`${a.base}/.search`, {
            method: 'POST',
            signal: AbortSignal.timeout(20),
            headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify({ schemas: [SEARCH_SCHEMA], startIndex: ROOT_SEARCH_DEPTH - 999, count: 1000 }),
          }).catch(() => undefined);
        }),
      );
    }
    // Their work done, every slot is free again, well before REQUEST_TIMEOUT_MS (after which an
    // abandoned request's slot would be given back in any case).
    await expectFullConcurrency(a);
  }, 120_000);

  it('spends none of the tenant budget on requests without its token, however long they stay open', async () => {
    const intruders = await Promise.all(Array.from({ length: 2 * TENANT_LIMIT }, () => heldRequest(box, a, b.token)));
    try {
      await expectFullConcurrency(a);
    } finally {
      for (const socket of intruders) socket.destroy();
    }
  }, 60_000);
});
