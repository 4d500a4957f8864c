import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('limit configuration (issue 11, OWASP API4)', () => {
  it('reads every limit', () => {
    expect(
      loadConfig({
        DATABASE_STATEMENT_TIMEOUT_MS: '2000',
        REQUEST_TIMEOUT_MS: '5000',
        TENANT_MAX_CONCURRENT_REQUESTS: '8',
        TENANT_RATE_LIMIT_PER_SECOND: '50',
        SCIM_MAX_PATCH_OPERATIONS: '200',
      }).limits,
    ).toEqual({
      statementTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      tenantMaxConcurrentRequests: 8,
      tenantRateLimitPerSecond: 50,
      maxPatchOperations: 200,
    });
  });

  it('gives each tenant half the pool at once unless told otherwise, and at least one', () => {
    expect(loadConfig({ DATABASE_POOL_SIZE: '30' }).limits.tenantMaxConcurrentRequests).toBe(15);
    expect(loadConfig({ DATABASE_POOL_SIZE: '1' }).limits.tenantMaxConcurrentRequests).toBe(1);
    expect(loadConfig({ TENANT_MAX_CONCURRENT_REQUESTS: '0' }).limits.tenantMaxConcurrentRequests).toBe(0);
  });

  it('takes 0 as "no limit" for the timeouts, the concurrency and the rate', () => {
    expect(
      loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0', REQUEST_TIMEOUT_MS: '0', TENANT_RATE_LIMIT_PER_SECOND: '0' })
        .limits,
    ).toMatchObject({ statementTimeoutMs: 0, requestTimeoutMs: 0, tenantRateLimitPerSecond: 0 });
  });

  it('names each bad value', () => {
    expect(
      problemsOf({
        DATABASE_STATEMENT_TIMEOUT_MS: '-1',
        REQUEST_TIMEOUT_MS: 'soon',
        TENANT_MAX_CONCURRENT_REQUESTS: '1.5',
        TENANT_RATE_LIMIT_PER_SECOND: '-3',
        SCIM_MAX_PATCH_OPERATIONS: '0',
      }),
    ).toEqual([
      'DATABASE_STATEMENT_TIMEOUT_MS: must be >= 0, got "-1"',
      'REQUEST_TIMEOUT_MS: must be integer, got "soon"',
      'TENANT_MAX_CONCURRENT_REQUESTS: must be integer, got "1.5"',
      'TENANT_RATE_LIMIT_PER_SECOND: must be >= 0, got "-3"',
      'SCIM_MAX_PATCH_OPERATIONS: must be >= 1, got "0"',
    ]);
  });

  it('wants the database to give up on a statement before the request gives up on it', () => {
    expect(problemsOf({ DATABASE_STATEMENT_TIMEOUT_MS: '30000', REQUEST_TIMEOUT_MS: '30000' })).toEqual([
      'DATABASE_STATEMENT_TIMEOUT_MS: must be less than REQUEST_TIMEOUT_MS (30000), got "30000"',
    ]);
    expect(problemsOf({ DATABASE_STATEMENT_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '0' })).toEqual([]);
  });
});
