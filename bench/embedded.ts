/**
 * What the embedded database sustains (issue 11): concurrent clients each looping a user's
 * lifecycle (create → PATCH → PATCH active=false → DELETE) against `dist/main.js` without
 * DATABASE_URL (PGlite, one connection), then against a PostgreSQL server with the default pool.
 * Prints lifecycles and requests per second, latency percentiles and CPU per lifecycle. A report,
 * not a test: run `npm run build` first, then `npx tsx bench/embedded.ts`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSnapshot } from './cpu.js';
import { createBenchDatabase, serverUrl, type BenchDatabase } from './database.js';
import { freePort, HOST, killAll, startServer, type ServerProcess } from './servers.js';
import { positive } from './knobs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const CLIENTS = positive('BENCH_CLIENTS', 8);
const SECONDS = positive('BENCH_SECONDS', 10);
const WARMUP_SECONDS = positive('BENCH_WARMUP_SECONDS', 2);
// BENCH_ONLY=embedded (or server) runs that side alone.
const only = process.env['BENCH_ONLY'];

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Result {
  readonly lifecycles: number;
  readonly requests: number;
  readonly latenciesMs: number[];
  readonly failures: number;
  readonly firstFailure: string | undefined;
  readonly seconds: number;
  /** CPU seconds of the service process over the measured window (PGlite runs inside it). */
  readonly serviceCpu: number;
  /** CPU seconds of PostgreSQL's processes over the window (0 for the embedded database). */
  readonly postgresCpu: number;
}

async function admin(origin: string, adminToken: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** `clients` loops of lifecycles for `seconds`; only the lifecycles that started in the window count. */
async function drive(origin: string, tenant: string, token: string, seconds: number, pid: number): Promise<Result> {
  const base = `${origin}/scim/v2/${tenant}`;
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let lifecycles = 0;
  let serial = 0;
  const call = async (method: string, path: string, expected: number, body?: unknown): Promise<string | undefined> => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    latenciesMs.push(performance.now() - started);
    if (response.status === expected) return text;
    failures += 1;
    firstFailure ??= `${method} ${path}: ${response.status} ${text.slice(0, 300)}`;
    return undefined;
  };
  const patch = (id: string, path: string, value: unknown) =>
    call('PATCH', `/Users/${id}`, 200, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path, value }] });
  const before = cpuSnapshot(pid);
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        serial += 1;
        const created = await call('POST', '/Users', 201, {
          schemas: [USER_SCHEMA],
          userName: `bench-${serial}-${randomBytes(3).toString('hex')}@embedded.example.test`,
          active: true,
        });
        if (created === undefined) continue;
        const { id } = JSON.parse(created) as { id: string };
        if ((await patch(id, 'title', 'Engineer')) === undefined) continue;
        if ((await patch(id, 'active', false)) === undefined) continue;
        if ((await call('DELETE', `/Users/${id}`, 204)) !== undefined) lifecycles += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const after = cpuSnapshot(pid);
  return {
    lifecycles,
    requests: latenciesMs.length,
    latenciesMs,
    failures,
    firstFailure,
    seconds: elapsed,
    serviceCpu: before === undefined || after === undefined ? 0 : after.server - before.server,
    postgresCpu: before === undefined || after === undefined ? 0 : after.postgres - before.postgres,
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** A tenant and token through the admin API, then a warm-up run (discarded), then the measured one. */
async function measure(server: ServerProcess, adminToken: string): Promise<Result> {
  const tenant = `bench-${randomBytes(4).toString('hex')}`;
  await admin(server.origin, adminToken, '/admin/v1/tenants', { id: tenant, name: 'Embedded bench' });
  const { token } = (await admin(server.origin, adminToken, `/admin/v1/tenants/${tenant}/tokens`, {
    description: 'bench/embedded.ts',
  })) as { token: string };
  await drive(server.origin, tenant, token, WARMUP_SECONDS, server.pid);
  return drive(server.origin, tenant, token, SECONDS, server.pid);
}

// What main.ts must not inherit from this shell: the mode is chosen here.
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['DATABASE_URL', 'ADMIN_TOKEN', 'JWT_SECRET', 'DATA_DIR', 'DATABASE_POOL_SIZE'].includes(k),
  ),
);

const common = {
  NODE_ENV: 'production',
  HOST,
  LOG_LEVEL: 'warn',
  // The clients are one tenant's: the per-tenant admission limit is not what is measured here.
  TENANT_MAX_CONCURRENT_REQUESTS: String(CLIENTS),
};

async function embedded(): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-bench-embedded-'));
  const port = await freePort();
  const env = { ...inherited, ...common, PORT: String(port), DATA_DIR: dataDir };
  const server = await startServer('service (embedded)', ['dist/main.js'], env, ROOT, port, '/readyz');
  try {
    // The first start prints the admin token it generated, once listening.
    let adminToken: string | undefined;
    for (let i = 0; i < 100 && adminToken === undefined; i += 1) {
      adminToken = /Admin token\s+(\S+)/.exec(server.output())?.[1];
      if (adminToken === undefined) await sleep(100);
    }
    if (adminToken === undefined) throw new Error(`no admin token in the first-start banner:\n${server.output()}`);
    return await measure(server, adminToken);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function onServer(database: BenchDatabase): Promise<Result> {
  const port = await freePort();
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const env = {
    ...inherited,
    ...common,
    PORT: String(port),
    PUBLIC_URL: `http://${HOST}:${port}`,
    DATABASE_URL: database.url,
    ADMIN_TOKEN: adminToken,
    JWT_SECRET: randomBytes(32).toString('hex'),
    WEBHOOK_SECRET_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  };
  const server = await startServer('service (server)', ['dist/main.js'], env, ROOT, port, '/readyz');
  try {
    return await measure(server, adminToken);
  } finally {
    await server.stop();
  }
}

function line(name: string, r: Result, embedded: boolean): string {
  const cpu = (seconds: number) => `${((seconds * 1000) / Math.max(1, r.lifecycles)).toFixed(1)} ms`;
  return [
    name.padEnd(22),
    (r.lifecycles / r.seconds).toFixed(1).padStart(12),
    (r.requests / r.seconds).toFixed(0).padStart(7),
    percentile(r.latenciesMs, 50).toFixed(1).padStart(8),
    percentile(r.latenciesMs, 99).toFixed(1).padStart(8),
    String(r.failures).padStart(7),
    // PGlite runs inside the service's process.
    embedded
      ? `  service ${cpu(r.serviceCpu)} (PGlite included)`
      : `  service ${cpu(r.serviceCpu)}, postgres ${cpu(r.postgresCpu)}`,
  ].join(' ');
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js is missing: run "npm run build" first');
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  log(
    `${CLIENTS} clients, each looping create → PATCH → PATCH active=false → DELETE; ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured`,
  );
  const rows: [string, Result][] = [];
  if (only === undefined || 'embedded'.includes(only)) rows.push(['embedded (PGlite)', await embedded()]);
  if (only === undefined || 'server'.includes(only)) {
    const database = await createBenchDatabase(serverUrl(), 'scim_bench_embedded');
    try {
      rows.push(['PostgreSQL server', await onServer(database)]);
    } finally {
      await database.drop();
    }
  }
  log('');
  log(
    `${'database'.padEnd(22)} ${'lifecycles/s'.padStart(12)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}   CPU a lifecycle`,
  );
  for (const [name, result] of rows) {
    log(line(name, result, name.startsWith('embedded')));
    if (result.firstFailure !== undefined) log(`  first failure: ${result.firstFailure}`);
  }
}

main().catch((error: unknown) => {
  killAll();
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
