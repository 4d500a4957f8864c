import { randomBytes } from 'node:crypto';
import { HOST } from './servers.js';

/** The secrets a bench's service runs with: made up for the run, never reused. */
export const ADMIN_TOKEN = `adm_${randomBytes(16).toString('hex')}`;
const JWT_SECRET = randomBytes(32).toString('hex');
const WEBHOOK_SECRET_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString('base64')}`;

/** The environment main.ts reads, as a deployment would set it. */
export function serviceEnv(databaseUrl: string, port: number, poolSize: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    HOST,
    PORT: String(port),
    PUBLIC_URL: `http://${HOST}:${port}`,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(poolSize),
    ADMIN_TOKEN,
    JWT_SECRET,
    WEBHOOK_SECRET_ENCRYPTION_KEYS,
    LOG_LEVEL: 'warn',
    // The connections are one tenant's: the per-tenant admission limit (docs/operations.md)
    // would answer some of them 429, and it is not what a bench measures.
    TENANT_MAX_CONCURRENT_REQUESTS: '0',
  };
}

/** POSTs to the admin API with the run's admin token; the answer, which must be a 201. */
export async function adminPost(origin: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201) throw new Error(`POST /admin/v1${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** A SCIM token for a tenant, issued the only way tokens are: by the admin API. */
export async function issueToken(origin: string, tenantId: string, description: string): Promise<string> {
  const { token } = await adminPost(origin, `/tenants/${tenantId}/tokens`, { description });
  if (typeof token !== 'string') throw new Error('the admin API issued no token');
  return token;
}
