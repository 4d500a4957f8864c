/**
 * Answers remembered until a time each carries, in a map bounded by emptying it when full: a
 * flood of distinct keys (tokens, tenant ids) costs a few misses, never memory. What the hot
 * path asks on every request (a token's validity, a tenant's profile) is read through one.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  /** Loads under way (through()): the requests that miss together share one. */
  private readonly loading = new Map<K, Promise<V>>();

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

  /**
   * The value, loaded when missing; `until` says how long a loaded value holds. Under load, an
   * entry expiring finds every concurrent request missing it at once: they share one load
   * instead of sending the database one query each. A load that fails is shared and forgotten.
   */
  through(key: K, load: () => Promise<V>, until: (value: V) => number): Promise<V> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.until > this.now()) return Promise.resolve(entry.value);
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending;
    const started = load().then(
      (value) => {
        // delete() during the load means the answer may be stale: it serves only its callers.
        if (this.loading.get(key) === started) {
          this.loading.delete(key);
          this.set(key, value, until(value));
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === started) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, started);
    return started;
  }

  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }
}
