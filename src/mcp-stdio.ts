import { parseArgs } from 'node:util';
import pino from 'pino';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfigOrExit } from './config/load-or-exit.js';
import { resolveSecrets } from './config/secrets.js';
import { createDeps } from './deps.js';
import { directoryTools } from './mcp/directory-tools.js';
import { createLogger } from './observability/logger.js';
import { openDatabaseServer } from './storage/embedded.js';
import { migrate, readMigrations } from './storage/migrate.js';
import { localHostPrincipal } from './tenancy/principal.js';

// `npm run mcp -- --tenant <id> [--read-only]`: one tenant's directory as MCP tools over stdio,
// for a local agent host (docs/agents.md). JSON-RPC owns stdout; the log goes to stderr.

const { values } = parseArgs({
  options: { tenant: { type: 'string' }, 'read-only': { type: 'boolean', default: false } },
  allowPositionals: false,
});
const tenantId = values.tenant;
if (tenantId === undefined || tenantId === '') {
  process.stderr.write('Usage: npm run mcp -- --tenant <tenantId> [--read-only]\n');
  process.exit(2);
}

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, pino.destination(2));

async function main(tenant: string): Promise<void> {
  const secrets = await resolveSecrets(config);
  const database = await openDatabaseServer(config);
  const migrations = await readMigrations();
  await migrate(database.url, migrations);
  const deps = createDeps({
    config,
    secrets,
    logger,
    databaseUrl: database.url,
    embedded: database.embedded,
    migrations: migrations.map((m) => m.name),
  });
  // An unknown tenant is a usage error, told before the host starts calling tools.
  await deps.tenants.get(tenant);
  deps.startEventFlow();
  const server = directoryTools(deps, {
    tenantId: tenant,
    principal: localHostPrincipal(tenant, values['read-only']),
    name: 'stdio (local)',
  });
  const stop = async () => {
    await server.close();
    await deps.close();
    await database.stop();
    process.exit(0);
  };
  process.stdin.on('close', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await server.connect(new StdioServerTransport());
  logger.info({ tenant }, 'MCP server on stdio');
}

main(tenantId).catch((error: unknown) => {
  logger.error({ err: error }, 'MCP stdio server failed to start');
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
