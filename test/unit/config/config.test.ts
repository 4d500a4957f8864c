import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { resolveSecrets } from '../../../src/config/secrets.js';
import { keyEntry } from '../../helpers/keyring.js';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('has working defaults for the zero-setup start', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      databaseUrl: undefined,
      databasePoolSize: 10,
      dataDir: '.data',
      adminToken: undefined,
      jwtSecret: undefined,
      webhookSecretKeys: undefined,
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      webhooks: {
        allowPrivateTargets: false,
        timeoutMs: 10_000,
        retryWindowMs: 259_200_000,
        retryBaseMs: 1_000,
        secretOverlapMs: 86_400_000,
      },
      dispatcher: 'in-process',
      eventRetentionDays: 30,
      agentExpirySweepMs: 15_000,
      requestLogRetentionDays: 7,
      limits: {
        statementTimeoutMs: 15_000,
        requestTimeoutMs: 30_000,
        tenantMaxConcurrentRequests: 5,
        tenantRateLimitPerSecond: 0,
        maxPatchOperations: 1_000,
      },
      brand: { name: 'SCIM provisioning', logoUrl: null },
    });
  });

  it('takes the portals’ brand: a name, and a logo that is an https URL or an inline image', () => {
    expect(loadConfig({ BRAND_NAME: 'Acme', BRAND_LOGO_URL: 'https://cdn.acme.example/logo.svg' }).brand).toEqual({
      name: 'Acme',
      logoUrl: 'https://cdn.acme.example/logo.svg',
    });
    expect(loadConfig({ BRAND_LOGO_URL: 'data:image/png;base64,iVBORw0KGgo=' }).brand.logoUrl).toBe(
      'data:image/png;base64,iVBORw0KGgo=',
    );
    for (const logo of [
      'http://cdn.acme.example/logo.svg',
      'javascript:alert(1)',
      'https://x/"onerror',
      'data:text/html;base64,PGgxPg==',
    ]) {
      expect(() => loadConfig({ BRAND_LOGO_URL: logo }), logo).toThrow(
        /BRAND_LOGO_URL: must be an https:\/\/ URL or a base64 data:image URI/,
      );
    }
  });

  it('reads the webhook and dispatcher variables, and names a bad one', () => {
    const config = loadConfig({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_TIMEOUT_MS: '2500',
      WEBHOOK_RETRY_WINDOW_SECONDS: '60',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_SECRET_OVERLAP_SECONDS: '0',
      DISPATCHER: 'off',
      EVENT_RETENTION_DAYS: '7',
    });
    expect(config.webhooks).toEqual({
      allowPrivateTargets: true,
      timeoutMs: 2500,
      retryWindowMs: 60_000,
      retryBaseMs: 50,
      secretOverlapMs: 0,
    });
    expect(config.dispatcher).toBe('off');
    expect(config.eventRetentionDays).toBe(7);
    expect(() => loadConfig({ DISPATCHER: 'sometimes' })).toThrow(
      'DISPATCHER: must be one of in-process, off, got "sometimes"',
    );
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'maybe' })).toThrow('WEBHOOK_ALLOW_PRIVATE_TARGETS');
  });

  it('reads and coerces every variable, and freezes the result', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      PUBLIC_URL: 'https://scim.example.com/base/',
      DATABASE_URL: 'postgresql://u:p@db:5432/scim',
      DATABASE_POOL_SIZE: '25',
      DATA_DIR: '/var/lib/scim',
      ADMIN_TOKEN: 'a'.repeat(20),
      JWT_SECRET: 'b'.repeat(40),
      WEBHOOK_SECRET_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_MS: '2500',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      publicUrl: 'https://scim.example.com/base',
      databaseUrl: 'postgresql://u:p@db:5432/scim',
      databasePoolSize: 25,
      logLevel: 'debug',
      shutdownTimeoutMs: 2500,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives PUBLIC_URL from a wildcard HOST as localhost', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '3000' }).publicUrl).toBe('http://localhost:3000');
  });

  it('refuses PORT 0 without PUBLIC_URL: the URLs given to clients must name the real port', () => {
    expect(problemsOf({ PORT: '0' })).toEqual([expect.stringMatching(/^PORT: 0 \(any free port\) needs PUBLIC_URL/)]);
    expect(loadConfig({ PORT: '0', PUBLIC_URL: 'https://scim.example.com' }).port).toBe(0);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '  ' }).port).toBe(8080);
  });

  it('lists every problem, each naming its variable', () => {
    const problems = problemsOf({
      PORT: '70000',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'scim.example.com',
      DATABASE_URL: 'mysql://x',
      DATABASE_POOL_SIZE: '0',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/),
        expect.stringMatching(/^PUBLIC_URL: must be an absolute http\(s\) URL/),
        expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/),
        expect.stringMatching(/^DATABASE_POOL_SIZE: /),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('never echoes a secret that is too short', () => {
    const problems = problemsOf({ ADMIN_TOKEN: 'short-secret', JWT_SECRET: 'also-short' });
    expect(problems).toEqual([
      'ADMIN_TOKEN: must be at least 16 characters long',
      'JWT_SECRET: must be at least 32 characters long',
    ]);
  });

  it('requires ADMIN_TOKEN, JWT_SECRET and WEBHOOK_SECRET_ENCRYPTION_KEYS with an external database', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/scim' })).toEqual([
      'ADMIN_TOKEN: is required when DATABASE_URL is set',
      'JWT_SECRET: is required when DATABASE_URL is set',
      'WEBHOOK_SECRET_ENCRYPTION_KEYS: is required when DATABASE_URL is set',
    ]);
  });

  it('reads WEBHOOK_SECRET_ENCRYPTION_KEYS as a keyring, first key first, and names a bad entry without its key', () => {
    const config = loadConfig({
      WEBHOOK_SECRET_ENCRYPTION_KEYS: `b:${randomBytes(32).toString('base64')},a:${randomBytes(32).toString('base64')}`,
    });
    expect(config.webhookSecretKeys?.map((k) => k.id)).toEqual(['b', 'a']);
    const short = randomBytes(31).toString('base64');
    const problems = problemsOf({ WEBHOOK_SECRET_ENCRYPTION_KEYS: `k1:${short}` });
    expect(problems).toEqual([
      'WEBHOOK_SECRET_ENCRYPTION_KEYS: key "k1" must be the base64 of 32 random bytes (openssl rand -base64 32)',
    ]);
    expect(problems.join('\n')).not.toContain(short);
    expect(problemsOf({ WEBHOOK_SECRET_OVERLAP_SECONDS: '-1' })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET_OVERLAP_SECONDS: must be >= 0/),
    ]);
  });
});

describe('secrets', () => {
  it('generates the admin token, JWT key and webhook secret key once under DATA_DIR, owner-only, and reuses them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-secrets-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      const first = await resolveSecrets(config);
      expect(first.adminToken).toMatch(/^adm_[\w-]{32}$/);
      expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(first.webhookSecretKeys.map((k) => k.id)).toEqual(['local']);
      expect(first.adminTokenFromEnvironment).toBe(false);
      expect(first.generated).toEqual(['adminToken', 'jwtSecret', 'webhookSecretKey']);
      expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
      const again = await resolveSecrets(config);
      expect({ ...again, webhookSecretKeys: [] }).toEqual({ ...first, webhookSecretKeys: [], generated: [] });
      expect(again.webhookSecretKeys[0].key.equals(first.webhookSecretKeys[0].key)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets ADMIN_TOKEN win over the stored one, without writing it to disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-secrets-'));
    try {
      const stored = await resolveSecrets(loadConfig({ DATA_DIR: dir }));
      const fromEnv = 'env-admin-token-0123456789';
      const resolved = await resolveSecrets(loadConfig({ DATA_DIR: dir, ADMIN_TOKEN: fromEnv }));
      expect(resolved).toEqual({
        adminToken: fromEnv,
        jwtSecret: stored.jwtSecret,
        webhookSecretKeys: expect.any(Array) as unknown,
        adminTokenFromEnvironment: true,
        generated: [],
      });
      expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(fromEnv);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds only the webhook key to a DATA_DIR from before webhook secrets were encrypted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-secrets-'));
    try {
      const before = { adminToken: `adm_${'x'.repeat(32)}`, jwtSecret: 'j'.repeat(48) };
      writeFileSync(join(dir, 'secrets.json'), JSON.stringify(before), { mode: 0o600 });
      const resolved = await resolveSecrets(loadConfig({ DATA_DIR: dir }));
      expect(resolved).toMatchObject({ ...before, generated: ['webhookSecretKey'] });
      expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toMatchObject(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts WEBHOOK_SECRET_ENCRYPTION_KEYS first and keeps the stored key after them, so stored secrets stay readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-secrets-'));
    try {
      const stored = await resolveSecrets(loadConfig({ DATA_DIR: dir }));
      const resolved = await resolveSecrets(
        loadConfig({ DATA_DIR: dir, WEBHOOK_SECRET_ENCRYPTION_KEYS: `${keyEntry('k2')},${keyEntry('k1')}` }),
      );
      expect(resolved.webhookSecretKeys.map((k) => k.id)).toEqual(['k2', 'k1', 'local']);
      expect(resolved.webhookSecretKeys[2]?.key.equals(stored.webhookSecretKeys[0].key)).toBe(true);
      expect(resolved.generated).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with an external database, takes everything from the environment and touches no file', async () => {
    const dir = join(tmpdir(), `scim-secrets-absent-${randomBytes(4).toString('hex')}`);
    const resolved = await resolveSecrets(
      loadConfig({
        DATA_DIR: dir,
        DATABASE_URL: 'postgres://db/scim',
        ADMIN_TOKEN: 'a'.repeat(16),
        JWT_SECRET: 'j'.repeat(32),
        WEBHOOK_SECRET_ENCRYPTION_KEYS: keyEntry('prod'),
      }),
    );
    expect(resolved.webhookSecretKeys.map((k) => k.id)).toEqual(['prod']);
    expect(resolved.generated).toEqual([]);
    expect(() => statSync(dir)).toThrow();
  });
});
