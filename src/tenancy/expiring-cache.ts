/**
 * Answers remembered until a time each carries, in a map bounded by emptying it when full: a
 * flood of distinct keys (tokens, tenant ids) costs a few misses, never memory. What the hot
 * path asks on every request (a token's validity, a tenant's profile) is read through one.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value, unless it is missing or its time has passed. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.until > this.now() ? entry.value : undefined;
  }

  /** Remembers `value` until `until` (milliseconds since the epoch, on this cache's clock). */
  set(key: K, value: V, until: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
