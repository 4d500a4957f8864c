import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.js';
import { generateKeyringEntry, parseKeyring, type Keyring } from './encryption-keys.js';

export interface Secrets {
  readonly adminToken: string;
  readonly jwtSecret: string;
  /** Encrypts webhook signing secrets at rest: the first key encrypts, all decrypt. */
  readonly webhookSecretKeys: Keyring;
  /** An admin token from ADMIN_TOKEN is never printed; one kept in DATA_DIR is, once. */
  readonly adminTokenFromEnvironment: boolean;
  /** What this start had to generate because neither the environment nor DATA_DIR had it. */
  readonly generated: readonly GeneratedSecret[];
}

export type GeneratedSecret = 'adminToken' | 'jwtSecret' | 'webhookSecretKey';

const FILE = 'secrets.json';
// The id of the key the embedded mode generates; it names the key in every secret it encrypts.
const GENERATED_KEY_ID = 'local';

/**
 * Environment values always win. Without them (embedded mode only: loadConfig refuses an
 * external database without all three), the secrets are generated once and kept in DATA_DIR
 * with owner-only permissions, so a restart keeps issued tokens valid and stored webhook secrets
 * readable. In embedded mode a key kept in DATA_DIR stays in the keyring after the keys of
 * WEBHOOK_SECRET_ENCRYPTION_KEYS, so setting that variable later loses nothing: the start
 * re-encrypts every webhook secret with its first key.
 */
export async function resolveSecrets(config: Config): Promise<Secrets> {
  const { adminToken: envAdminToken, jwtSecret: envJwtSecret, webhookSecretKeys: envKeys } = config;
  if (
    config.databaseUrl !== undefined &&
    envAdminToken !== undefined &&
    envJwtSecret !== undefined &&
    envKeys !== undefined
  ) {
    return {
      adminToken: envAdminToken,
      jwtSecret: envJwtSecret,
      webhookSecretKeys: envKeys,
      adminTokenFromEnvironment: true,
      generated: [],
    };
  }
  const path = join(config.dataDir, FILE);
  const stored = (await readStored(path)) ?? {};
  const generated: StoredSecrets = {};
  const adminToken =
    envAdminToken ?? stored.adminToken ?? (generated.adminToken = `adm_${randomBytes(24).toString('base64url')}`);
  const jwtSecret = envJwtSecret ?? stored.jwtSecret ?? (generated.jwtSecret = randomBytes(48).toString('base64url'));
  const storedKey = stored.webhookSecretKey === undefined ? undefined : keyOf(stored.webhookSecretKey, path);
  let webhookSecretKeys: Keyring;
  if (envKeys !== undefined) {
    webhookSecretKeys =
      storedKey === undefined || envKeys.some((k) => k.id === storedKey.id) ? envKeys : [...envKeys, storedKey];
  } else {
    webhookSecretKeys = [
      storedKey ?? keyOf((generated.webhookSecretKey = generateKeyringEntry(GENERATED_KEY_ID)), path),
    ];
  }
  if (Object.keys(generated).length > 0) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(path, `${JSON.stringify({ ...stored, ...generated }, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    adminToken,
    jwtSecret,
    webhookSecretKeys,
    adminTokenFromEnvironment: envAdminToken !== undefined,
    generated: (['adminToken', 'jwtSecret', 'webhookSecretKey'] as const).filter(
      (name) => generated[name] !== undefined,
    ),
  };
}

interface StoredSecrets {
  adminToken?: string;
  jwtSecret?: string;
  /** `keyId:base64key`, as one entry of WEBHOOK_SECRET_ENCRYPTION_KEYS. */
  webhookSecretKey?: string;
}

function keyOf(entry: string, path: string): Keyring[0] {
  const parsed = parseKeyring(entry);
  if ('problems' in parsed) throw new Error(`${path}: webhookSecretKey ${parsed.problems.join('; ')}`);
  return parsed.keyring[0];
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
  const stored: StoredSecrets = {};
  for (const name of ['adminToken', 'jwtSecret', 'webhookSecretKey'] as const) {
    const value = parsed[name];
    if (typeof value === 'string') stored[name] = value;
  }
  return stored;
}
