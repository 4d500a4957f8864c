import { describe, expect, it } from 'vitest';
import { TenantRequestLimiter, type Admission } from '../../../src/tenancy/request-limiter.js';

function admitted(admission: Admission): () => void {
  if (!admission.admitted) throw new Error(`refused: ${admission.reason}`);
  return () => {
    admission.release();
  };
}

describe('TenantRequestLimiter', () => {
  it('admits up to maxConcurrent requests of a tenant at once, then refuses with Retry-After 1', () => {
    const limiter = new TenantRequestLimiter({ maxConcurrent: 2, perSecond: 0 }, () => 0);
    const first = admitted(limiter.admit('a'));
    admitted(limiter.admit('a'));
    expect(limiter.admit('a')).toEqual({ admitted: false, reason: 'concurrency', limit: 2, retryAfterSeconds: 1 });
    first();
    expect(limiter.admit('a').admitted).toBe(true);
  });

  it("counts each tenant on its own: one tenant's load never refuses another", () => {
    const limiter = new TenantRequestLimiter({ maxConcurrent: 1, perSecond: 1 }, () => 0);
    admitted(limiter.admit('a'));
    expect(limiter.admit('a').admitted).toBe(false);
    expect(limiter.admit('b').admitted).toBe(true);
  });

  it('gives a slot back once, however many ways the request ends', () => {
    const limiter = new TenantRequestLimiter({ maxConcurrent: 2, perSecond: 0 }, () => 0);
    const release = admitted(limiter.admit('a'));
    admitted(limiter.admit('a'));
    release();
    release();
    release();
    expect(limiter.inFlight('a')).toBe(1);
    admitted(limiter.admit('a'));
    expect(limiter.admit('a').admitted).toBe(false);
  });

  it('limits the rate with a bucket of one second, refilled with time, and says when to retry', () => {
    let now = 10_000;
    const limiter = new TenantRequestLimiter({ maxConcurrent: 0, perSecond: 4 }, () => now);
    for (let i = 0; i < 4; i += 1) admitted(limiter.admit('a'))();
    expect(limiter.admit('a')).toEqual({ admitted: false, reason: 'rate', limit: 4, retryAfterSeconds: 1 });
    now += 249;
    expect(limiter.admit('a').admitted).toBe(false);
    now += 1;
    admitted(limiter.admit('a'))();
    expect(limiter.admit('a').admitted).toBe(false);
    // A long pause refills the bucket to one second's worth, no more.
    now += 60_000;
    for (let i = 0; i < 4; i += 1) admitted(limiter.admit('a'))();
    expect(limiter.admit('a').admitted).toBe(false);
  });

  it('names a Retry-After long enough for a slow rate', () => {
    const limiter = new TenantRequestLimiter({ maxConcurrent: 0, perSecond: 1 }, () => 0);
    admitted(limiter.admit('a'))();
    expect(limiter.admit('a')).toMatchObject({ admitted: false, reason: 'rate', retryAfterSeconds: 1 });
  });

  it('spends no rate on a request refused for concurrency', () => {
    let now = 0;
    const limiter = new TenantRequestLimiter({ maxConcurrent: 1, perSecond: 2 }, () => now);
    const release = admitted(limiter.admit('a'));
    for (let i = 0; i < 10; i += 1) expect(limiter.admit('a')).toMatchObject({ reason: 'concurrency' });
    release();
    admitted(limiter.admit('a'))();
    now += 1;
    expect(limiter.admit('a')).toMatchObject({ reason: 'rate' });
  });

  it('admits everything with both limits off', () => {
    const limiter = new TenantRequestLimiter({ maxConcurrent: 0, perSecond: 0 }, () => 0);
    for (let i = 0; i < 1000; i += 1) admitted(limiter.admit('a'));
    expect(limiter.inFlight('a')).toBe(1000);
  });

  it('forgets idle tenants, but never one with requests in flight or a bucket still refilling', () => {
    let now = 0;
    const limiter = new TenantRequestLimiter({ maxConcurrent: 1, perSecond: 1 }, () => now);
    const held = admitted(limiter.admit('busy'));
    admitted(limiter.admit('idle'))();
    now = 59_500;
    admitted(limiter.admit('recent'))();
    expect(limiter.tracked()).toBe(3);
    now = 60_000;
    // The sweep runs on this admission: 'idle' goes; 'busy' has a request in flight, and
    // 'recent' a bucket not yet refilled, which a fresh entry would forgive.
    admitted(limiter.admit('other'))();
    expect(limiter.tracked()).toBe(3);
    expect(limiter.admit('busy')).toMatchObject({ reason: 'concurrency' });
    expect(limiter.admit('recent')).toMatchObject({ reason: 'rate' });
    held();
    now = 120_000;
    admitted(limiter.admit('idle'))();
    expect(limiter.tracked()).toBe(1);
  });
});
