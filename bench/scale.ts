/**
 * `npm run bench:scale` (it builds, then runs this file): flat cost at scale (issue 13, item 5). One
 * database holds a tenant of 1M users, a tenant of 10k users of the same shape and 1,000 small
 * tenants; each operation's p50 latency on the 10k tenant and on the 1M tenant is put side by
 * side (target: the 1M p50 at most 1.5× the 10k one); then an initial sync of 100k users into an
 * empty tenant, through /Bulk and through POST /Users. A report, not a test: it exits 0 whether
 * or not the targets are met.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createBenchDatabase, serverUrl, type BenchDatabase } from './database.js';
import { backendCpu, cpuBetween } from './scale-cpu.js';
import { drive, type LoadResult } from './scale-load.js';
import { OPERATIONS, type MeasuredTenant, type ScaleOperation } from './scale-operations.js';
import { groupId, LARGE_GROUP_KEY, scaleShapeDiffers, seedTenants, type TenantShape } from './scale-seed.js';
import { operationsPerRequest, syncByBulk, syncByPost, type SyncResult } from './scale-sync.js';
import { cleanUpOnSignal, freePort, killAll, startServer, type ServerProcess } from './servers.js';
import { adminPost, issueToken, serviceEnv } from './service-env.js';
import { positiveInteger } from './knobs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const BIG_USERS = positiveInteger('SCALE_USERS', 1_000_000);
const SMALL_USERS = positiveInteger('SCALE_SMALL_USERS', 10_000);
const OTHER_TENANTS = positiveInteger('SCALE_TENANTS', 1_000);
const CONNECTIONS = positiveInteger('SCALE_CONNECTIONS', 4);
const SECONDS = positiveInteger('SCALE_SECONDS', 10);
const WARMUP_SECONDS = positiveInteger('SCALE_WARMUP_SECONDS', 3);
const POOL_SIZE = positiveInteger('SCALE_POOL_SIZE', 10);
const SYNC_USERS = positiveInteger('SCALE_SYNC_USERS', 100_000);
const SYNC_CONNECTIONS = positiveInteger('SCALE_SYNC_CONNECTIONS', 8);
// A directory sync job sends its next Bulk request when the last one is answered.
const BULK_CONCURRENCY = positiveInteger('SCALE_BULK_CONCURRENCY', 1);
const SYNC_MAX_SECONDS = positiveInteger('SCALE_SYNC_MAX_SECONDS', 300);
/** The most the 1M p50 may be of the 10k p50 (issue 13, item 5). */
const TARGET = 1.5;
// SCALE_ONLY=cursor runs only the operations whose name contains it ("sync": only the sync).
const only = process.env['SCALE_ONLY'];
const keepDatabase = process.env['SCALE_KEEP_DATABASE'] !== undefined;

const log = (line: string) => process.stdout.write(`${line}\n`);
const since = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');
/** 1000000 → "1M", 10000 → "10k". */
const label = (n: number) =>
  n >= 1_000_000 && n % 1_000_000 === 0
    ? `${n / 1_000_000}M`
    : n >= 1000 && n % 1000 === 0
      ? `${n / 1000}k`
      : String(n);

/** Teams of about two hundred; never a count for which a user's teams would coincide. */
function teamsFor(users: number): number {
  let teams = Math.max(3, Math.round(users / 100));
  while ([337, 674].includes(teams)) teams += 1;
  return teams;
}

const shapeOf = (id: string, users: number): TenantShape => ({
  id,
  name: `${label(users)} users`,
  users,
  largeMembers: Math.max(1, Math.floor(users / 10)),
  teams: teamsFor(users),
});

const SMALL = shapeOf(`users-${label(SMALL_USERS).toLowerCase()}`, SMALL_USERS);
const BIG = shapeOf(`users-${label(BIG_USERS).toLowerCase()}`, BIG_USERS);
// 50 to 200 users each, in 3 large groups and 5 teams.
const OTHERS: TenantShape[] = Array.from({ length: OTHER_TENANTS }, (_, i) => {
  const users = 50 + ((i * 37) % 151);
  return {
    id: `tenant-${String(i + 1).padStart(4, '0')}`,
    name: `Tenant ${i + 1}`,
    users,
    largeMembers: Math.floor(users / 10),
    teams: 5,
  };
});

const issue = (origin: string, tenantId: string) => issueToken(origin, tenantId, 'bench/scale.ts');

const tokens = new Map<string, string>();

async function startService(database: BenchDatabase): Promise<ServerProcess> {
  const port = await freePort();
  return startServer('service', ['dist/main.js'], serviceEnv(database.url, port, POOL_SIZE), ROOT, port, '/readyz');
}

async function membersOf(url: string, tenantId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2::uuid',
      [tenantId, groupId(tenantId, LARGE_GROUP_KEY)],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

interface Measured {
  readonly load: LoadResult;
  /** CPU the database's backends spent per request, in microseconds. */
  readonly dbMicros: number;
}

/** One operation on one tenant: a fresh service, a warm-up, then the measured window. */
async function measureOne(
  database: BenchDatabase,
  operation: ScaleOperation,
  tenant: MeasuredTenant,
): Promise<Measured> {
  await database.settle();
  const server = await startService(database);
  try {
    let token = tokens.get(tenant.shape.id);
    if (token === undefined) {
      token = await issue(server.origin, tenant.shape.id);
      tokens.set(tenant.shape.id, token);
    }
    const connections = () => Array.from({ length: CONNECTIONS }, () => operation.connection(tenant));
    await drive(server.origin, token, connections(), WARMUP_SECONDS);
    const before = await backendCpu(database.url);
    const load = await drive(server.origin, token, connections(), SECONDS);
    const after = await backendCpu(database.url);
    const dbMicros = load.requests === 0 ? 0 : (cpuBetween(before, after) * 1e6) / load.requests;
    const ms = (v: number) => v.toFixed(2);
    log(
      `  ${operation.name.padEnd(58)} ${label(tenant.shape.users).padStart(4)}  ${load.rps.toFixed(0).padStart(5)} req/s  p50 ${ms(load.p50)} ms  p99 ${ms(load.p99)} ms  db CPU ${dbMicros.toFixed(0)} µs/req`,
    );
    if (load.firstFailure !== undefined) {
      log(`    ${load.failures} failed; first: ${load.firstFailure}`);
      const logged = server
        .output()
        .split('\n')
        .find((line) => line.includes('"level":50'));
      if (logged !== undefined) log(`    first error logged: ${logged.slice(0, 600)}`);
    }
    return { load, dbMicros };
  } finally {
    await server.stop();
  }
}

interface Row {
  readonly operation: string;
  readonly small: Measured;
  readonly big: Measured;
}

const ratioOf = (row: Row) => row.big.load.p50 / row.small.load.p50;
const passes = (row: Row) => row.small.load.failures === 0 && row.big.load.failures === 0 && ratioOf(row) <= TARGET;

function table(rows: readonly Row[]): string {
  const s = label(SMALL.users);
  const b = label(BIG.users);
  const header = [
    'operation',
    `p50 ${s}`,
    `p50 ${b}`,
    'ratio',
    'target',
    'result',
    `p99 ${s}`,
    `p99 ${b}`,
    `db µs/req ${s}`,
    `db µs/req ${b}`,
    `req/s ${s}`,
    `req/s ${b}`,
  ];
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  const body = rows.map((row) => {
    const failed = row.small.load.failures > 0 || row.big.load.failures > 0;
    return [
      row.operation,
      ms(row.small.load.p50),
      ms(row.big.load.p50),
      `${ratioOf(row).toFixed(2)}×`,
      `≤${TARGET.toFixed(1)}×`,
      passes(row) ? 'PASS' : failed ? 'FAIL (errors)' : 'FAIL',
      ms(row.small.load.p99),
      ms(row.big.load.p99),
      row.small.dbMicros.toFixed(0),
      row.big.dbMicros.toFixed(0),
      row.small.load.rps.toFixed(0),
      row.big.load.rps.toFixed(0),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === 0 || i === 5 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** What the service answers to sortBy together with a cursor (RFC 9865 leaves it to the service). */
async function sortedCursorAnswer(database: BenchDatabase, tenant: TenantShape): Promise<string> {
  const server = await startService(database);
  try {
    const token = tokens.get(tenant.id) ?? (await issue(server.origin, tenant.id));
    tokens.set(tenant.id, token);
    const response = await fetch(`${server.origin}/scim/v2/${tenant.id}/Users?sortBy=userName&count=100&cursor=`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' },
    });
    const body = (await response.json()) as { detail?: unknown };
    return `${response.status}${typeof body.detail === 'string' ? ` "${body.detail}"` : ''}`;
  } finally {
    await server.stop();
  }
}

function syncLine(name: string, how: string, result: SyncResult): string {
  const rate = result.created / result.seconds;
  const failures =
    result.load.failures + result.failedOperations > 0
      ? `\n    ${result.load.failures} failed requests, ${result.failedOperations} failed operations; first: ${result.load.firstFailure ?? result.firstFailedOperation ?? ''}`
      : '';
  const capped = result.capped
    ? `; stopped at the ${SYNC_MAX_SECONDS} s limit: ${count(SYNC_USERS)} would take about ${(SYNC_USERS / rate).toFixed(0)} s at this rate`
    : '';
  return `  ${name.padEnd(12)} ${how.padEnd(46)} ${count(result.created).padStart(7)} users in ${result.seconds.toFixed(1).padStart(6)} s = ${rate.toFixed(0).padStart(5)} users/s  (request p50 ${result.load.p50.toFixed(1)} ms, p99 ${result.load.p99.toFixed(1)} ms)${capped}${failures}`;
}

/** An initial sync of SYNC_USERS users into a fresh tenant, through /Bulk and through POST. */
async function syncReport(database: BenchDatabase): Promise<void> {
  log(
    `\ninitial sync: ${count(SYNC_USERS)} users into an empty tenant (created by the admin API, in the same database), at most ${SYNC_MAX_SECONDS} s each`,
  );
  for (const method of ['bulk', 'post'] as const) {
    await database.settle();
    const server = await startService(database);
    try {
      const tenantId = `sync-${method}`;
      await adminPost(server.origin, '/tenants', { id: tenantId, name: `Initial sync by ${method}` });
      const token = await issue(server.origin, tenantId);
      const options = {
        origin: server.origin,
        token,
        tenantId,
        databaseUrl: database.url,
        users: SYNC_USERS,
        maxSeconds: SYNC_MAX_SECONDS,
      };
      if (method === 'bulk') {
        const config = await fetch(`${server.origin}/scim/v2/${tenantId}/ServiceProviderConfig`, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' },
        });
        const { bulk } = (await config.json()) as { bulk: { maxOperations: number; maxPayloadSize: number } };
        const perRequest = operationsPerRequest(tenantId, SYNC_USERS, bulk.maxOperations, bulk.maxPayloadSize);
        log(
          `  /ServiceProviderConfig: bulk.maxOperations ${bulk.maxOperations}, maxPayloadSize ${bulk.maxPayloadSize} bytes`,
        );
        const result = await syncByBulk({ ...options, connections: BULK_CONCURRENCY }, perRequest);
        const how = `${perRequest} users a request, ${BULK_CONCURRENCY} request${BULK_CONCURRENCY === 1 ? '' : 's'} at a time`;
        log(syncLine('POST /Bulk', how, result));
      } else {
        const result = await syncByPost({ ...options, connections: SYNC_CONNECTIONS });
        log(syncLine('POST /Users', `1 user a request, ${SYNC_CONNECTIONS} connections`, result));
      }
    } finally {
      await server.stop();
    }
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
    return rows[0]?.version ?? '?';
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const server = serverUrl();
  log(`$ npm run bench:scale   (dist/main.js as its own process, one at a time)`);
  log(
    `  ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per operation and tenant, service pool ${POOL_SIZE} (DATABASE_POOL_SIZE), ${availableParallelism()} CPUs, node ${process.version}`,
  );
  log(
    `  tenants: ${count(BIG.users)} users, ${count(SMALL.users)} users, and ${count(OTHER_TENANTS)} of 50–200 users, all in one database: the ${label(SMALL.users)} figures are measured with the ${label(BIG.users)} tenant present`,
  );
  const started = performance.now();
  const database = await createBenchDatabase(server, 'scim_bench_scale');
  cleanUpOnSignal(log, () => (keepDatabase ? Promise.resolve() : database.drop()));
  try {
    log(
      `database ${database.name} on ${new URL(server).host} (PostgreSQL ${await serverVersion(database.url)}): created and migrated (${since(started)})`,
    );

    const seedStarted = performance.now();
    const seeded = await seedTenants(database.url, [BIG, SMALL, ...OTHERS]);
    log(
      `seeded ${count(2 + OTHER_TENANTS)} tenants: ${count(seeded.users)} users, ${count(seeded.groups)} groups, ${count(seeded.memberships)} memberships in ${since(seedStarted)} (load ${seeded.seconds.load.toFixed(1)} s, indexes ${seeded.seconds.indexes.toFixed(1)} s, vacuum and analyze ${seeded.seconds.analyze.toFixed(1)} s)`,
    );
    for (const shape of [BIG, SMALL]) {
      log(
        `  ${shape.id}: ${count(shape.users)} users, each in 1–3 groups: Engineering ${count(shape.largeMembers)} (users 1–${count(shape.largeMembers)}), Sales and Support ${count(Math.ceil(shape.users / 50))} each, ${count(shape.teams)} teams`,
      );
    }
    const differs = await scaleShapeDiffers(database.url, BIG.id);
    if (differs !== undefined) log(`warning: seeded rows differ from what the service stores:\n${differs}`);

    const operations = OPERATIONS.filter((o) => only === undefined || o.name.includes(only));
    const rows: Row[] = [];
    if (operations.length > 0) {
      log(`\nsortBy with cursor: the service answers ${await sortedCursorAnswer(database, SMALL)}`);
      log(`  so sorted pages are read by startIndex, and cursor pages in creation order\n`);
      const small: MeasuredTenant = { shape: SMALL, nextMember: SMALL.largeMembers + 1, outOfMembers: false };
      const big: MeasuredTenant = { shape: BIG, nextMember: BIG.largeMembers + 1, outOfMembers: false };
      const before = [await membersOf(database.url, SMALL.id), await membersOf(database.url, BIG.id)];
      // The small tenant, then the big one, operation by operation: a noisy neighbour on the
      // machine then hits both sides of a ratio alike.
      for (const operation of operations) {
        rows.push({
          operation: operation.name,
          small: await measureOne(database, operation, small),
          big: await measureOne(database, operation, big),
        });
      }
      const after = [await membersOf(database.url, SMALL.id), await membersOf(database.url, BIG.id)];

      log('');
      log(table(rows));
      const failed = rows.filter((row) => !passes(row));
      log(
        failed.length === 0
          ? `\nevery operation's p50 at ${label(BIG.users)} users is within ${TARGET}× of its p50 at ${label(SMALL.users)}`
          : `\n${failed.length} of ${rows.length} operations FAIL the target (p50 at ${label(BIG.users)} ≤ ${TARGET}× p50 at ${label(SMALL.users)}): ${failed.map((r) => r.operation).join('; ')}`,
      );
      log(
        `compared: each operation on the ${label(SMALL.users)} tenant and on the ${label(BIG.users)} tenant of the same shape, in one database; random users throughout`,
      );
      if (operations.some((o) => o.name.startsWith('PATCH /Groups'))) {
        log(
          `  member add: to each tenant's largest group, a tenth of its users (Engineering): ${count(before[0] ?? 0)} members at ${label(SMALL.users)} (${count(after[0] ?? 0)} after the runs) against ${count(before[1] ?? 0)} at ${label(BIG.users)} (${count(after[1] ?? 0)} after)`,
        );
        for (const tenant of [small, big].filter((t) => t.outOfMembers)) {
          const row = rows.find((r) => r.operation.startsWith('PATCH /Groups'));
          const load = tenant === small ? row?.small.load : row?.big.load;
          log(
            `  note: every user of ${tenant.shape.id} was a member before the window ended; its adds stopped after ${load?.seconds.toFixed(1) ?? '?'} s of the measured ${SECONDS} s (${count(load?.requests ?? 0)} requests)`,
          );
        }
      }
      log(
        `  db µs/req: CPU time of this database's PostgreSQL backends per request (from /proc), steadier than latency on a shared machine`,
      );
    }

    if (only === undefined || 'sync'.includes(only)) await syncReport(database);
    log(`\ntotal ${since(started)}`);
  } finally {
    killAll();
    if (keepDatabase) log(`kept database ${database.name} (SCALE_KEEP_DATABASE): drop it when done`);
    else await database.drop();
  }
}

await main();
