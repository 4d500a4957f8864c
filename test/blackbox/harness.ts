import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmptyDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/free-port.js';
import { startService, type ServiceProcess } from '../helpers/process.js';

/**
 * The black-box suite: the built service (dist/main.js) as a real process, reached only over
 * TCP, in both database modes. Nothing here imports src/: what a test sees is what a client sees.
 */
export type Mode = 'embedded' | 'server';
export const MODES: readonly Mode[] = ['embedded', 'server'];

export interface Tenant {
  readonly id: string;
  /** The SCIM base URL, e.g. http://127.0.0.1:1234/scim/v2/acme. */
  readonly base: string;
  /** The base's path, for raw request-targets: /scim/v2/acme. */
  readonly path: string;
  /** scim:read and scim:write. */
  readonly token: string;
  /** scim:read only. */
  readonly readToken: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  readonly json: unknown;
}

export interface BlackBox {
  readonly mode: Mode;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly adminToken: string;
  readonly service: ServiceProcess;
  /** The server PostgreSQL database, to check from outside what the service stored (server mode). */
  readonly databaseUrl: string | undefined;
  /** Creates a tenant through the admin API, with a read-write and a read-only token. */
  tenant(id?: string): Promise<Tenant>;
  /** An admin API call (path under the origin, e.g. /admin/v1/tenants). */
  admin(method: string, path: string, body?: unknown): Promise<Reply>;
  /** A SCIM call under the tenant's base, e.g. scim(t, 'POST', '/Users', {...}). */
  scim(tenant: Tenant, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  stop(): Promise<void>;
}

export interface BlackBoxOptions {
  /** More environment for the service (LOG_LEVEL, limits, …). */
  readonly env?: Record<string, string>;
  /** Server mode: this database (the test owns it) instead of a fresh one on the tests' server. */
  readonly databaseUrl?: string;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function waitReady(url: string, service: ServiceProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (service.child.exitCode !== null) {
      throw new Error(`service exited (${service.child.exitCode}):\n${service.stdout()}\n${service.stderr()}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`service not ready:\n${service.stdout()}\n${service.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts dist/main.js in the given mode on a free loopback port and waits until it is ready. */
export async function startBlackBox(mode: Mode, options: BlackBoxOptions = {}): Promise<BlackBox> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const common = {
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    // Webhook sinks in these tests listen on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...options.env,
  };
  let dataDir: string | undefined;
  let database: TestDatabase | undefined;
  let service: ServiceProcess;
  let adminToken: string;
  if (mode === 'embedded') {
    dataDir = mkdtempSync(join(tmpdir(), 'scim-blackbox-'));
    service = startService({ ...common, DATA_DIR: dataDir });
    const [, token = ''] = await service.waitFor(/Admin token\s+(\S+)/, 60_000);
    adminToken = token;
  } else {
    // An empty database: the service migrates it itself, as a first deployment would.
    if (options.databaseUrl === undefined) database = await createEmptyDatabase();
    adminToken = `adm_${randomBytes(16).toString('hex')}`;
    service = startService({
      ...common,
      DATABASE_URL: options.databaseUrl ?? database?.url ?? '',
      ADMIN_TOKEN: adminToken,
      JWT_SECRET: randomBytes(32).toString('hex'),
      WEBHOOK_SECRET_ENCRYPTION_KEYS: `blackbox:${randomBytes(32).toString('base64')}`,
    });
  }
  const stop = async () => {
    if (service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      const killed = setTimeout(() => service.child.kill('SIGKILL'), 15_000);
      await service.exited;
      clearTimeout(killed);
    }
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  };
  try {
    await waitReady(url, service);
  } catch (error) {
    await stop();
    throw error;
  }

  const admin = async (method: string, path: string, body?: unknown) =>
    reply(
      await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  const issue = async (tenantId: string, scopes: string[]) => {
    const issued = await admin('POST', `/admin/v1/tenants/${tenantId}/tokens`, { description: 'blackbox', scopes });
    if (issued.status !== 201) throw new Error(`token not issued: ${issued.status} ${issued.text}`);
    return (issued.json as { token: string }).token;
  };
  return {
    mode,
    port,
    url,
    adminToken,
    service,
    databaseUrl: options.databaseUrl ?? database?.url,
    admin,
    async tenant(id = `t-${randomBytes(5).toString('hex')}`) {
      const created = await admin('POST', '/admin/v1/tenants', { id, name: `Black-box ${id}` });
      if (created.status !== 201) throw new Error(`tenant not created: ${created.status} ${created.text}`);
      return {
        id,
        base: `${url}/scim/v2/${id}`,
        path: `/scim/v2/${id}`,
        token: await issue(id, ['scim:read', 'scim:write']),
        readToken: await issue(id, ['scim:read']),
      };
    },
    async scim(tenant, method, path, body, headers = {}) {
      return reply(
        await fetch(`${tenant.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${tenant.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
            ...headers,
          },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        }),
      );
    },
    stop,
  };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
