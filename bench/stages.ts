/**
 * Where one request's time goes, cheaply: the service built in this process (as main.ts builds
 * it), requests sent one at a time through app.inject, every pg round trip timed, and V8's
 * sampling profiler attributing the CPU time to src/ folders and packages.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { resolveSecrets } from '../src/config/secrets.js';
import { createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/observability/logger.js';
import { readMigrations } from '../src/storage/migrate.js';
import type { BenchRequest, RunData, Scenario } from './scenarios.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface SqlStats {
  count: number;
  ms: number;
  readonly byStatement: Map<string, { count: number; ms: number }>;
}

/** Times every query any pg client runs (Prisma's adapter included) from call to result. */
function timePgQueries(): { stats: SqlStats; reset(): void; restore(): void } {
  const stats: SqlStats = { count: 0, ms: 0, byStatement: new Map() };
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const record = (sql: string, started: number) => {
    const ms = performance.now() - started;
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const entry = stats.byStatement.get(key) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += ms;
    stats.byStatement.set(key, entry);
    stats.count += 1;
    stats.ms += ms;
  };
  prototype.query = function query(this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    const text: unknown = typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : first;
    const sql = typeof text === 'string' ? text : '';
    const started = performance.now();
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as (...results: unknown[]) => unknown;
      // pg-pool passes a callback; the statement is done when it is called.
      args[args.length - 1] = (...results: unknown[]) => {
        record(sql, started);
        return callback(...results);
      };
      return Reflect.apply<unknown, unknown[], unknown>(original, this, args);
    }
    const result = Reflect.apply<unknown, unknown[], unknown>(original, this, args);
    if (result instanceof Promise) {
      return result.finally(() => {
        record(sql, started);
      });
    }
    return result;
  };
  return {
    stats,
    reset() {
      stats.count = 0;
      stats.ms = 0;
      stats.byStatement.clear();
    },
    restore() {
      prototype.query = original;
    },
  };
}

/** Names the owner of a profiled function: a src/ folder, a package, or the runtime. */
function ownerOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle (waiting on Postgres)';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 (program)';
  // Builtins without a script: JSON, RegExp, Buffer and crypto bindings, promise machinery.
  if (url === '') return 'native (sockets, JSON, crypto)';
  if (url.startsWith('node:')) return 'node core';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (modules?.[1] !== undefined) return modules[1].startsWith('@prisma/') ? 'prisma' : modules[1];
  if (path.startsWith(ROOT)) {
    const relative = path.slice(ROOT.length);
    if (relative.startsWith('src/generated/')) return 'prisma';
    const folder = /^(src\/[^/]+)\//.exec(relative)?.[1];
    return folder ?? (relative.startsWith('src/') ? 'src' : relative);
  }
  return 'other';
}

interface CpuProfile {
  nodes: { id: number; callFrame: { url: string; functionName: string }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** The profile's nodes under the inspector's own calls (Profiler.start and stop): not the service. */
function profilerNodes(profile: CpuProfile): Set<number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const marked = new Set<number>();
  const mark = (id: number) => {
    marked.add(id);
    for (const child of byId.get(id)?.children ?? []) mark(child);
  };
  for (const n of profile.nodes) if (n.callFrame.url === 'node:inspector') mark(n.id);
  return marked;
}

/** Self time in ms from a CPU profile, summed by what `keyOf` makes of each sampled function. */
function selfTimes(profile: CpuProfile, keyOf: (owner: string, functionName: string) => string): [string, number][] {
  const excluded = profilerNodes(profile);
  const keys = new Map(
    profile.nodes.map((n) => {
      const owner = ownerOf(n.callFrame.url, n.callFrame.functionName);
      return [n.id, owner.startsWith('idle') || excluded.has(n.id) ? IDLE : keyOf(owner, n.callFrame.functionName)];
    }),
  );
  const totals = new Map<string, number>();
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const key = keys.get(id) ?? 'other';
    totals.set(key, (totals.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
  });
  totals.delete(IDLE);
  return [...totals].sort((a, b) => b[1] - a[1]);
}

async function inject(app: FastifyInstance, token: string, request: BenchRequest): Promise<void> {
  const response = await app.inject({
    method: request.method,
    url: request.path,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/scim+json',
      ...(request.body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(request.body === undefined ? {} : { payload: request.body }),
  });
  if (response.statusCode >= 300)
    throw new Error(`${request.method} ${request.path}: ${response.statusCode} ${response.body}`);
}

async function buildInProcess(
  databaseUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<{ app: FastifyInstance; deps: Deps }> {
  const config = loadConfig({ ...env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '4' });
  const deps = createDeps({
    config,
    secrets: await resolveSecrets(config),
    logger: createLogger(config.logLevel),
    databaseUrl,
    migrations: (await readMigrations()).map((m) => m.name),
  });
  return { app: await buildApp(deps), deps };
}

const IDLE = 'idle';

/**
 * The main thread's CPU profile in `dir` (a server run under --cpu-prof, warm-up and start-up included),
 * as CPU shares by owner and the hottest functions: where the time goes under real load.
 */
export async function profileSummary(dir: string): Promise<string> {
  // A loader thread (tsx) writes a small profile of its own beside the main thread's.
  const files = await Promise.all(
    (await readdir(dir))
      .filter((name) => name.endsWith('.cpuprofile'))
      .map(async (name) => ({ name, size: (await stat(join(dir, name))).size })),
  );
  const newest = files.sort((a, b) => a.size - b.size).at(-1)?.name;
  if (newest === undefined) return `    no CPU profile was written to ${dir}`;
  const profile = JSON.parse(await readFile(join(dir, newest), 'utf8')) as CpuProfile;
  const cpu = selfTimes(profile, (owner) => owner);
  const total = cpu.reduce((sum, [, ms]) => sum + ms, 0);
  const hottest = selfTimes(profile, (owner, name) => `${name === '' ? '(anonymous)' : name} [${owner}]`);
  return [
    `    profile ${join(dir, newest)}: ${(total / 1000).toFixed(1)} s CPU`,
    `    CPU by owner: ${cpu
      .slice(0, 10)
      .map(([owner, ms]) => `${owner} ${pct(ms, total)}`)
      .join(', ')}`,
    ...hottest.slice(0, 15).map(([name, ms]) => `      ${pct(ms, total).padStart(4)}  ${name}`),
  ].join('\n');
}
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;

/**
 * Runs every scenario for about `seconds`, one request at a time, and describes where its time
 * went. `env` carries the service's secrets so the token issued to the child process works here.
 */
export async function stageBreakdown(
  databaseUrl: string,
  env: NodeJS.ProcessEnv,
  token: string,
  scenarios: readonly Scenario[],
  data: RunData,
  seconds = 1.5,
): Promise<string> {
  const { app, deps } = await buildInProcess(databaseUrl, env);
  const sql = timePgQueries();
  const session = new Session();
  session.connect();
  const lines: string[] = [];
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    for (const scenario of scenarios) {
      const next = scenario.requests(data);
      for (let i = 0; i < 20; i += 1) await inject(app, token, next());
      sql.reset();
      await session.post('Profiler.start');
      const started = performance.now();
      let requests = 0;
      while (performance.now() - started < seconds * 1000 || requests < 5) {
        await inject(app, token, next());
        requests += 1;
      }
      const wall = performance.now() - started;
      const { profile } = await session.post('Profiler.stop');
      const perRequest = wall / requests;
      const cpu = selfTimes(profile, (owner) => owner);
      const hottest = selfTimes(profile, (owner, name) => `${name === '' ? '(anonymous)' : name} [${owner}]`);
      const cpuMs = cpu.reduce((sum, [, ms]) => sum + ms, 0);
      lines.push(
        `  ${scenario.name}: ${perRequest.toFixed(2)} ms a request (${requests} requests); ` +
          `SQL ${(sql.stats.count / requests).toFixed(1)} round trips, ${(sql.stats.ms / requests).toFixed(2)} ms (${pct(sql.stats.ms, wall)}); ` +
          `CPU ${(cpuMs / requests).toFixed(2)} ms (${pct(cpuMs, wall)})`,
      );
      lines.push(
        `    CPU by owner: ${cpu
          .slice(0, 7)
          .map(([owner, ms]) => `${owner} ${pct(ms, cpuMs)}`)
          .join(', ')}`,
      );
      lines.push(
        `    hottest functions: ${hottest
          .slice(0, 5)
          .map(([name, ms]) => `${name} ${pct(ms, cpuMs)}`)
          .join(', ')}`,
      );
      // Rare statements (the token check the cache skips) are left out.
      const statements = [...sql.stats.byStatement]
        .filter(([, stats]) => stats.count / requests >= 0.5)
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 4);
      for (const [statement, stats] of statements) {
        lines.push(
          `    ${(stats.ms / requests).toFixed(2).padStart(6)} ms  ${(stats.count / requests).toFixed(1)}×  ${statement}`,
        );
      }
    }
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
    sql.restore();
    await app.close();
    await deps.close();
  }
  return lines.join('\n');
}
