// Generates the Prisma client into src/generated/prisma. The Prisma CLI insists on knowing a
// schema engine binary it cannot download here, though generation never runs it; any existing
// file satisfies the check (see docs/decisions/0001-hand-written-migrations.md).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
