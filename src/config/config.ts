import { Ajv, type ErrorObject } from 'ajv';
import { parseKeyring, type Keyring } from './encryption-keys.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The service's whole configuration, read once from the environment and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Origin and optional path prefix the service is reached at, without a trailing slash. */
  readonly publicUrl: string;
  /** Absent: serve from the embedded PGlite database under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly jwtSecret: string | undefined;
  /** Encrypts webhook signing secrets at rest; the first key encrypts, all decrypt. */
  readonly webhookSecretKeys: Keyring | undefined;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly webhooks: WebhookConfig;
  /** Whether this process runs a webhook dispatcher beside the HTTP server. */
  readonly dispatcher: 'in-process' | 'off';
  /** Outbox events older than this are pruned by the dispatcher. */
  readonly eventRetentionDays: number;
  /** How often each process looks for agents whose expiresAt has passed (docs/agents.md). */
  readonly agentExpirySweepMs: number;
  /** SCIM request log lines older than this are pruned by the dispatcher. */
  readonly requestLogRetentionDays: number;
  /** What one request, and one tenant, may take of the service (docs/operations.md#limits-per-tenant). */
  readonly limits: LimitConfig;
  /** The app's name and logo, as the portals show them (docs/portals.md). */
  readonly brand: BrandConfig;
}

export interface BrandConfig {
  readonly name: string;
  /** An https URL or a data:image URI; null: the portals show the name alone. */
  readonly logoUrl: string | null;
}

/** Bounds that keep one tenant, or one request, from starving the others (OWASP API4). */
export interface LimitConfig {
  /** PostgreSQL statement_timeout of every pooled connection, in ms; 0: the database's own. */
  readonly statementTimeoutMs: number;
  /** From routing to the response, in ms, after which a request is answered 503; 0: none. */
  readonly requestTimeoutMs: number;
  /** SCIM requests one tenant may have in flight in this process; 0: no limit. */
  readonly tenantMaxConcurrentRequests: number;
  /** SCIM requests one tenant may start a second in this process, on average; 0: no limit. */
  readonly tenantRateLimitPerSecond: number;
  /** Operations one PATCH request (or one PATCH inside a Bulk request) may carry. */
  readonly maxPatchOperations: number;
}

export interface WebhookConfig {
  /** Deliver to private, loopback and link-local addresses too (tests, local development). */
  readonly allowPrivateTargets: boolean;
  readonly timeoutMs: number;
  /** How long an endpoint may keep failing before its event is marked failed and it is disabled. */
  readonly retryWindowMs: number;
  /** The first retry's delay; each next one doubles, up to an hour, with jitter. */
  readonly retryBaseMs: number;
  /** After a secret rotation, how long deliveries are signed with the previous secret too. */
  readonly secretOverlapMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Each variable, its JSON Schema and the one-line explanation shown when it is wrong. */
const variables = {
  HOST: { schema: { type: 'string', minLength: 1 }, default: '127.0.0.1' },
  PORT: { schema: { type: 'integer', minimum: 0, maximum: 65535 }, default: 8080 },
  PUBLIC_URL: { schema: { type: 'string', pattern: '^https?://[^\\s?#]+$' } },
  DATABASE_URL: { schema: { type: 'string', pattern: '^postgres(ql)?://\\S+$' } },
  DATABASE_POOL_SIZE: { schema: { type: 'integer', minimum: 1, maximum: 200 }, default: 10 },
  DATA_DIR: { schema: { type: 'string', minLength: 1 }, default: '.data' },
  ADMIN_TOKEN: { schema: { type: 'string', minLength: 16, pattern: '^\\S+$' } },
  JWT_SECRET: { schema: { type: 'string', minLength: 32 } },
  WEBHOOK_SECRET_ENCRYPTION_KEYS: { schema: { type: 'string' } },
  LOG_LEVEL: { schema: { type: 'string', enum: LOG_LEVELS }, default: 'info' },
  SHUTDOWN_TIMEOUT_MS: { schema: { type: 'integer', minimum: 0, maximum: 600_000 }, default: 10_000 },
  WEBHOOK_ALLOW_PRIVATE_TARGETS: { schema: { type: 'boolean' }, default: false },
  WEBHOOK_TIMEOUT_MS: { schema: { type: 'integer', minimum: 100, maximum: 60_000 }, default: 10_000 },
  WEBHOOK_RETRY_WINDOW_SECONDS: { schema: { type: 'integer', minimum: 1, maximum: 2_592_000 }, default: 259_200 },
  WEBHOOK_RETRY_BASE_MS: { schema: { type: 'integer', minimum: 10, maximum: 3_600_000 }, default: 1_000 },
  WEBHOOK_SECRET_OVERLAP_SECONDS: { schema: { type: 'integer', minimum: 0, maximum: 2_592_000 }, default: 86_400 },
  DISPATCHER: { schema: { type: 'string', enum: ['in-process', 'off'] }, default: 'in-process' },
  EVENT_RETENTION_DAYS: { schema: { type: 'integer', minimum: 1, maximum: 3650 }, default: 30 },
  AGENT_EXPIRY_SWEEP_MS: { schema: { type: 'integer', minimum: 100, maximum: 3_600_000 }, default: 15_000 },
  REQUEST_LOG_RETENTION_DAYS: { schema: { type: 'integer', minimum: 1, maximum: 365 }, default: 7 },
  DATABASE_STATEMENT_TIMEOUT_MS: { schema: { type: 'integer', minimum: 0, maximum: 600_000 }, default: 15_000 },
  REQUEST_TIMEOUT_MS: { schema: { type: 'integer', minimum: 0, maximum: 600_000 }, default: 30_000 },
  // No default here: unset, it follows DATABASE_POOL_SIZE (loadConfig).
  TENANT_MAX_CONCURRENT_REQUESTS: { schema: { type: 'integer', minimum: 0, maximum: 10_000 } },
  TENANT_RATE_LIMIT_PER_SECOND: { schema: { type: 'integer', minimum: 0, maximum: 100_000 }, default: 0 },
  SCIM_MAX_PATCH_OPERATIONS: { schema: { type: 'integer', minimum: 1, maximum: 100_000 }, default: 1_000 },
  BRAND_NAME: { schema: { type: 'string', minLength: 1, maxLength: 100 }, default: 'SCIM provisioning' },
  // https only, or an inline image: the portals' Content-Security-Policy names the logo's origin.
  BRAND_LOGO_URL: {
    schema: {
      type: 'string',
      maxLength: 100_000,
      // The host is letters, digits, dots and dashes: its origin is written into the CSP.
      pattern:
        '^(https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\\s"\'<>;,]*)?|data:image/(png|jpeg|gif|webp|svg\\+xml);base64,[A-Za-z0-9+/=]+)$',
    },
  },
} as const;

type VariableName = keyof typeof variables;

// verbose: errors carry the offending value, so messages can quote it.
const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, verbose: true });
const validate = ajv.compile<Record<VariableName, unknown>>({
  type: 'object',
  properties: Object.fromEntries(
    Object.entries(variables).map(([name, v]) => [
      name,
      'default' in v ? { ...v.schema, default: v.default } : v.schema,
    ]),
  ),
});

function describe(error: ErrorObject): string {
  const name = error.instancePath.replace(/^\//, '');
  const variable = name in variables ? name : 'environment';
  const value = typeof error.data === 'string' || typeof error.data === 'number' ? String(error.data) : '';
  switch (error.keyword) {
    case 'pattern':
      if (name === 'PUBLIC_URL') return `${variable}: must be an absolute http(s) URL, got "${value}"`;
      if (name === 'DATABASE_URL') return `${variable}: must be a postgres:// or postgresql:// URL`;
      if (name === 'ADMIN_TOKEN') return `${variable}: must not contain whitespace`;
      if (name === 'BRAND_LOGO_URL') return `${variable}: must be an https:// URL or a base64 data:image URI`;
      return `${variable}: ${error.message ?? 'is invalid'}`;
    case 'minLength':
      // Secrets are never echoed back.
      return `${variable}: must be at least ${String(error.params['limit'])} characters long`;
    case 'enum':
      return `${variable}: must be one of ${(error.params['allowedValues'] as string[]).join(', ')}, got "${value}"`;
    default:
      return `${variable}: ${error.message ?? 'is invalid'}${value === '' ? '' : `, got "${value}"`}`;
  }
}

/**
 * Reads, validates and freezes the configuration. Empty strings count as unset, which is how
 * docker-compose and Helm pass an optional variable that was left blank.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const name of Object.keys(variables)) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') input[name] = value;
  }
  if (!validate(input)) {
    throw new ConfigError((validate.errors ?? []).map(describe));
  }
  const values = input as unknown as {
    HOST: string;
    PORT: number;
    PUBLIC_URL?: string;
    DATABASE_URL?: string;
    DATABASE_POOL_SIZE: number;
    DATA_DIR: string;
    ADMIN_TOKEN?: string;
    JWT_SECRET?: string;
    WEBHOOK_SECRET_ENCRYPTION_KEYS?: string;
    LOG_LEVEL: LogLevel;
    SHUTDOWN_TIMEOUT_MS: number;
    WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
    WEBHOOK_TIMEOUT_MS: number;
    WEBHOOK_RETRY_WINDOW_SECONDS: number;
    WEBHOOK_RETRY_BASE_MS: number;
    WEBHOOK_SECRET_OVERLAP_SECONDS: number;
    DISPATCHER: 'in-process' | 'off';
    EVENT_RETENTION_DAYS: number;
    AGENT_EXPIRY_SWEEP_MS: number;
    REQUEST_LOG_RETENTION_DAYS: number;
    DATABASE_STATEMENT_TIMEOUT_MS: number;
    REQUEST_TIMEOUT_MS: number;
    TENANT_MAX_CONCURRENT_REQUESTS?: number;
    TENANT_RATE_LIMIT_PER_SECOND: number;
    SCIM_MAX_PATCH_OPERATIONS: number;
    BRAND_NAME: string;
    BRAND_LOGO_URL?: string;
  };
  const problems: string[] = [];
  if (values.DATABASE_URL !== undefined) {
    // With an external database the service may run as several replicas: every one must share
    // the same secrets, so they cannot be generated locally.
    if (values.ADMIN_TOKEN === undefined) problems.push('ADMIN_TOKEN: is required when DATABASE_URL is set');
    if (values.JWT_SECRET === undefined) problems.push('JWT_SECRET: is required when DATABASE_URL is set');
    if (values.WEBHOOK_SECRET_ENCRYPTION_KEYS === undefined) {
      problems.push('WEBHOOK_SECRET_ENCRYPTION_KEYS: is required when DATABASE_URL is set');
    }
  }
  let webhookSecretKeys: Keyring | undefined;
  if (values.WEBHOOK_SECRET_ENCRYPTION_KEYS !== undefined) {
    const parsed = parseKeyring(values.WEBHOOK_SECRET_ENCRYPTION_KEYS);
    if ('problems' in parsed) problems.push(...parsed.problems.map((p) => `WEBHOOK_SECRET_ENCRYPTION_KEYS: ${p}`));
    else webhookSecretKeys = parsed.keyring;
  }
  if (values.PORT === 0 && values.PUBLIC_URL === undefined) {
    // A random port is only known after listening, too late for the URLs clients are given.
    problems.push('PORT: 0 (any free port) needs PUBLIC_URL, since the SCIM base URL must name the real port');
  }
  if (
    values.DATABASE_STATEMENT_TIMEOUT_MS > 0 &&
    values.REQUEST_TIMEOUT_MS > 0 &&
    values.DATABASE_STATEMENT_TIMEOUT_MS >= values.REQUEST_TIMEOUT_MS
  ) {
    // A statement still running when its request has been answered 503 holds a connection for
    // nobody: the database must give up first, so the client reads why.
    problems.push(
      `DATABASE_STATEMENT_TIMEOUT_MS: must be less than REQUEST_TIMEOUT_MS (${values.REQUEST_TIMEOUT_MS}), got "${values.DATABASE_STATEMENT_TIMEOUT_MS}"`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const localHost = values.HOST === '0.0.0.0' || values.HOST === '::' ? 'localhost' : values.HOST;
  const defaultUrl = `http://${localHost.includes(':') ? `[${localHost}]` : localHost}:${values.PORT}`;
  return Object.freeze({
    host: values.HOST,
    port: values.PORT,
    publicUrl: (values.PUBLIC_URL ?? defaultUrl).replace(/\/+$/, ''),
    databaseUrl: values.DATABASE_URL,
    databasePoolSize: values.DATABASE_POOL_SIZE,
    dataDir: values.DATA_DIR,
    adminToken: values.ADMIN_TOKEN,
    jwtSecret: values.JWT_SECRET,
    webhookSecretKeys,
    logLevel: values.LOG_LEVEL,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    webhooks: Object.freeze({
      allowPrivateTargets: values.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      timeoutMs: values.WEBHOOK_TIMEOUT_MS,
      retryWindowMs: values.WEBHOOK_RETRY_WINDOW_SECONDS * 1000,
      retryBaseMs: values.WEBHOOK_RETRY_BASE_MS,
      secretOverlapMs: values.WEBHOOK_SECRET_OVERLAP_SECONDS * 1000,
    }),
    dispatcher: values.DISPATCHER,
    eventRetentionDays: values.EVENT_RETENTION_DAYS,
    agentExpirySweepMs: values.AGENT_EXPIRY_SWEEP_MS,
    requestLogRetentionDays: values.REQUEST_LOG_RETENTION_DAYS,
    limits: Object.freeze({
      statementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
      requestTimeoutMs: values.REQUEST_TIMEOUT_MS,
      // Half the pool: however many requests one tenant sends, the other half of the
      // connections stays for everyone else.
      tenantMaxConcurrentRequests:
        values.TENANT_MAX_CONCURRENT_REQUESTS ?? Math.max(1, Math.floor(values.DATABASE_POOL_SIZE / 2)),
      tenantRateLimitPerSecond: values.TENANT_RATE_LIMIT_PER_SECOND,
      maxPatchOperations: values.SCIM_MAX_PATCH_OPERATIONS,
    }),
    brand: Object.freeze({ name: values.BRAND_NAME, logoUrl: values.BRAND_LOGO_URL ?? null }),
  });
}
