import { describe, expect, it } from 'vitest';
import { ExpiringCache } from '../../../src/tenancy/expiring-cache.js';

describe('ExpiringCache', () => {
  it('answers a value until its time, then no more', () => {
    let now = 1_000;
    const cache = new ExpiringCache<string, boolean>(10, () => now);
    cache.set('a', false, 1_500);
    expect(cache.get('a')).toBe(false);
    now = 1_499;
    expect(cache.get('a')).toBe(false);
    now = 1_500;
    expect(cache.get('a')).toBeUndefined();
  });

  it('forgets a deleted key, and empties itself rather than grow past its bound', () => {
    const cache = new ExpiringCache<number, string>(3, () => 0);
    cache.set(1, 'one', 10);
    cache.delete(1);
    expect(cache.get(1)).toBeUndefined();
    for (const k of [1, 2, 3]) cache.set(k, String(k), 10);
    cache.set(4, '4', 10);
    expect([1, 2, 3, 4].map((k) => cache.get(k))).toEqual([undefined, undefined, undefined, '4']);
  });
});
