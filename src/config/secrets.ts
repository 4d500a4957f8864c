import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface Secrets {
  readonly adminToken: string;
  readonly jwtSecret: string;
  /** An admin token from ADMIN_TOKEN is never printed; one kept in DATA_DIR is, once. */
  readonly adminTokenFromEnvironment: boolean;
  /** What this start had to generate because neither the environment nor DATA_DIR had it. */
  readonly generated: readonly ('adminToken' | 'jwtSecret')[];
}

const FILE = 'secrets.json';

/**
 * Environment values always win. Without them (embedded mode only: loadConfig refuses an
 * external database without both), the secrets are generated once and kept in DATA_DIR with
 * owner-only permissions, so a restart keeps issued tokens valid.
 */
export async function resolveSecrets(config: Config): Promise<Secrets> {
  if (config.adminToken !== undefined && config.jwtSecret !== undefined) {
    return {
      adminToken: config.adminToken,
      jwtSecret: config.jwtSecret,
      adminTokenFromEnvironment: true,
      generated: [],
    };
  }
  const path = join(config.dataDir, FILE);
  const stored = (await readStored(path)) ?? {};
  const generated: StoredSecrets = {};
  const adminToken =
    config.adminToken ?? stored.adminToken ?? (generated.adminToken = `adm_${randomBytes(24).toString('base64url')}`);
  const jwtSecret =
    config.jwtSecret ?? stored.jwtSecret ?? (generated.jwtSecret = randomBytes(48).toString('base64url'));
  if (Object.keys(generated).length > 0) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(path, `${JSON.stringify({ ...stored, ...generated }, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    adminToken,
    jwtSecret,
    adminTokenFromEnvironment: config.adminToken !== undefined,
    generated: [
      ...(generated.adminToken === undefined ? [] : (['adminToken'] as const)),
      ...(generated.jwtSecret === undefined ? [] : (['jwtSecret'] as const)),
    ],
  };
}

interface StoredSecrets {
  adminToken?: string;
  jwtSecret?: string;
}

async function readStored(path: string): Promise<StoredSecrets | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return {
    ...(typeof parsed['adminToken'] === 'string' ? { adminToken: parsed['adminToken'] } : {}),
    ...(typeof parsed['jwtSecret'] === 'string' ? { jwtSecret: parsed['jwtSecret'] } : {}),
  };
}
