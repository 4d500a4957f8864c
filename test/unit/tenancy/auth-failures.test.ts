import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthFailureStore } from '../../../src/storage/auth-failure-store.js';
import { AuthFailures } from '../../../src/tenancy/auth-failures.js';

/** A store that knows the tenants in `existing` and counts what it is asked to write. */
function fakeStore(existing: ReadonlySet<string>) {
  const writes: { tenantId: string; refusals: number }[] = [];
  const store = {
    record: async (tenantId: string, _at: Date, _reason: string, _provider: string, refusals: number) => {
      writes.push({ tenantId, refusals });
      return existing.has(tenantId);
    },
  } as unknown as AuthFailureStore;
  return { store, writes };
}

describe('the setup portal’s record of refused requests (tenancy/auth-failures.ts)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const settle = async () => {
    await vi.advanceTimersByTimeAsync(0);
  };

  it('writes a tenant’s refusals once every 5 s, counting those in between', async () => {
    const { store, writes } = fakeStore(new Set(['acme']));
    const failures = new AuthFailures(store, () => undefined);
    for (let n = 0; n < 50; n++) failures.refused('acme', 'invalid', 'okta');
    await settle();
    expect(writes).toEqual([{ tenantId: 'acme', refusals: 1 }]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([
      { tenantId: 'acme', refusals: 1 },
      { tenantId: 'acme', refusals: 49 },
    ]);
  });

  it('looks a name that is no tenant up once, then drops its refusals for a minute', async () => {
    const { store, writes } = fakeStore(new Set());
    const failures = new AuthFailures(store, () => undefined);
    failures.refused('fake-1', 'missing', 'generic');
    await settle();
    for (let n = 0; n < 100; n++) failures.refused('fake-1', 'missing', 'generic');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(writes).toEqual([{ tenantId: 'fake-1', refusals: 1 }]);
    await vi.advanceTimersByTimeAsync(31_000);
    failures.refused('fake-1', 'missing', 'generic');
    await settle();
    expect(writes).toHaveLength(2);
  });

  it('starts at most 20 first writes a second, so a flood of made-up names cannot crowd real tenants out', async () => {
    const { store, writes } = fakeStore(new Set(['acme']));
    const failures = new AuthFailures(store, () => undefined);
    for (let n = 0; n < 10_000; n++) failures.refused(`fake-${n}`, 'missing', 'generic');
    await settle();
    expect(writes).toHaveLength(20);
    // The made-up names are gone from the tracked set: a real tenant's refusal is recorded next second.
    await vi.advanceTimersByTimeAsync(1_000);
    failures.refused('acme', 'invalid', 'okta');
    await settle();
    expect(writes.at(-1)).toEqual({ tenantId: 'acme', refusals: 1 });
  });
});
