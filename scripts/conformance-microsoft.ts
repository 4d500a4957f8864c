/**
 * `npm run conformance:microsoft`: Microsoft's SCIM reference Postman collection
 * (../shared/conformance/microsoft, or CONFORMANCE_MICROSOFT_DIR) run with newman against a
 * fresh tenant of the built service, on a throwaway database. Prints newman's report, then
 * every assertion that failed, each with why when it is a known divergence of the collection
 * from RFC 7644 (docs/providers/entra.md). Exits 1 when an assertion failed that is not one.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createBenchDatabase, serverUrl } from '../bench/database.js';
import { freePort, HOST, startServer } from '../bench/servers.js';
import { KNOWN_DIVERGENCES, RUN_FOLDERS } from './conformance-microsoft-divergences.js';

const ROOT = resolve(import.meta.dirname, '..');
const COLLECTION_DIR = resolve(
  process.env['CONFORMANCE_MICROSOFT_DIR'] ?? join(ROOT, '..', 'shared', 'conformance', 'microsoft'),
);
// The copy CI runs, for a checkout without ../shared beside it.
const VENDORED = join(
  ROOT,
  'test',
  'fixtures',
  'conformance',
  'microsoft',
  'AzureAD-SCIMReferenceCode.PostmanCollection.json',
);
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const TENANT = 'microsoft-conformance';

interface NewmanReport {
  run: {
    stats: { assertions: { total: number; failed: number } };
    executions: {
      item: { name: string };
      request?: { method?: string };
      assertions?: { assertion: string; error?: { message: string } }[];
    }[];
  };
}

async function admin(origin: string, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function main(): Promise<number> {
  const runSh = join(COLLECTION_DIR, 'run.sh');
  if (!existsSync(runSh)) console.log(`No run.sh in ${COLLECTION_DIR}: running the vendored copy, ${VENDORED}.`);
  const database = await createBenchDatabase(serverUrl(), 'scim_conformance');
  const port = await freePort();
  const origin = `http://${HOST}:${port}`;
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST,
    PORT: String(port),
    PUBLIC_URL: origin,
    DATABASE_URL: database.url,
    ADMIN_TOKEN,
    JWT_SECRET: randomBytes(32).toString('hex'),
    WEBHOOK_SECRET_ENCRYPTION_KEYS: `conformance:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
  };
  const server = await startServer('service', ['dist/main.js'], env, ROOT, port, '/readyz').catch(
    async (error: unknown) => {
      await database.drop();
      throw error;
    },
  );
  const reportDir = mkdtempSync(join(tmpdir(), 'scim-conformance-'));
  try {
    const tenant = await admin(origin, 'POST', '/admin/v1/tenants', { id: TENANT, name: 'Microsoft conformance' });
    // Declared as Entra ID, as docs/providers/entra.md tells an admin to.
    await admin(origin, 'PATCH', `/admin/v1/tenants/${TENANT}`, { provider: 'entra' });
    const { token } = await admin(origin, 'POST', `/admin/v1/tenants/${TENANT}/tokens`, { description: 'newman' });
    const reportFile = join(reportDir, 'report.json');
    const base = new URL(String(tenant['scimBaseUrl']));
    // What run.sh makes of the base URL, for the vendored copy run without it.
    const vars = {
      Protocol: 'http',
      Server: base.hostname,
      Port: `:${base.port}`,
      Api: base.pathname.slice(1),
      token: String(token),
    };
    const reporting = [
      '--reporters',
      'cli,json',
      '--reporter-json-export',
      reportFile,
      // Anything after `--` goes to newman (`-- --verbose` shows every request and response).
      ...process.argv.slice(2),
    ];
    const [command, args] = existsSync(runSh)
      ? ['bash', [runSh, base.toString(), String(token), ...reporting]]
      : [
          'npx',
          [
            '--no-install',
            'newman',
            'run',
            VENDORED,
            ...RUN_FOLDERS.flatMap((f) => ['--folder', f]),
            ...Object.entries(vars).flatMap(([k, v]) => ['--env-var', `${k}=${v}`]),
            ...reporting,
          ],
        ];
    const newman = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    await once(newman, 'exit');
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as NewmanReport;
    return summarize(report);
  } finally {
    await server.stop();
    await database.drop();
    rmSync(reportDir, { recursive: true, force: true });
  }
}

function summarize(report: NewmanReport): number {
  const { total, failed } = report.run.stats.assertions;
  console.log(`\nMicrosoft SCIM reference collection: ${total - failed} of ${total} assertions pass.`);
  let unexplained = 0;
  for (const execution of report.run.executions) {
    for (const a of execution.assertions ?? []) {
      if (a.error === undefined) continue;
      const key = `${execution.item.name} / ${a.assertion}`;
      const why = KNOWN_DIVERGENCES[key];
      if (why === undefined) unexplained += 1;
      console.log(`  FAILED ${key}: ${a.error.message}`);
      console.log(`    ${why === undefined ? 'UNEXPLAINED: a service bug until shown otherwise' : why}`);
    }
  }
  if (failed > 0) console.log(`${failed - unexplained} explained (docs/providers/entra.md), ${unexplained} not.`);
  return unexplained === 0 ? 0 : 1;
}

process.exitCode = await main();
