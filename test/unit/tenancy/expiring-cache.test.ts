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

  it('shares one load among the requests that miss together, and keeps what it loaded', async () => {
    let now = 0;
    const cache = new ExpiringCache<string, number>(10, () => now);
    let loads = 0;
    let finish!: (value: number) => void;
    const load = () => {
      loads += 1;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    };
    const waiting = Array.from({ length: 20 }, () => cache.through('t', load, () => now + 100));
    expect(loads).toBe(1);
    finish(7);
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 20 }, () => 7));
    expect(await cache.through('t', load, () => now + 100)).toBe(7);
    expect(loads).toBe(1);
    now = 100;
    const again = cache.through('t', load, () => now + 100);
    expect(loads).toBe(2);
    finish(8);
    expect(await again).toBe(8);
  });

  it('does not keep a load that a delete overtook, and forgets a failed one', async () => {
    const cache = new ExpiringCache<string, string>(10, () => 0);
    let finish!: (value: string) => void;
    const stale = cache.through(
      't',
      () => new Promise<string>((resolve) => (finish = resolve)),
      () => 10,
    );
    cache.delete('t');
    const fresh = cache.through(
      't',
      () => Promise.resolve('after'),
      () => 10,
    );
    finish('before');
    expect(await stale).toBe('before');
    expect(await fresh).toBe('after');
    expect(cache.get('t')).toBe('after');

    await expect(
      cache.through(
        'u',
        () => Promise.reject(new Error('down')),
        () => 10,
      ),
    ).rejects.toThrow('down');
    expect(
      await cache.through(
        'u',
        () => Promise.resolve('up'),
        () => 10,
      ),
    ).toBe('up');
  });
});
