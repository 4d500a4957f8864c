import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A sequence of a provider's requests as its public documentation shows them, replayed request
 * by request (test/fixtures/providers/<provider>/<name>.json: lifecycle.json, first lookup to
 * deprovisioning, and others such as custom-extension.json; format in that folder's README.md).
 * Strings may hold {{name}}: a value an earlier step saved from its response.
 */
export interface ProviderFixture {
  readonly provider: string;
  /** The User-Agent the provider sends; "" when it sends none we know of. */
  readonly userAgent: string;
  /** Admin settings made before the first request, as the provider's page tells the admin. */
  readonly tenant?: { readonly provider?: string; readonly deletePolicy?: 'delete' | 'deactivate' };
  /**
   * Custom schema extensions the admin registers before the first request, in this order:
   * PUT /admin/v1/tenants/{id}/schemas/{urn} with `body` (RFC 7643 section 7, plus "resourceType").
   */
  readonly schemas?: readonly FixtureSchema[];
  /** Name → URL of each document the steps cite. */
  readonly sources: Readonly<Record<string, string>>;
  readonly steps: readonly FixtureStep[];
}

export interface FixtureSchema {
  /** The extension's URN: the schema's id, and the key its attributes are stored under. */
  readonly urn: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface FixtureStep {
  readonly name: string;
  /** "<source name>: <where in it>", or "<source name>: <where>; adapted: <how and why>". */
  readonly source: string;
  readonly request: {
    readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    /** Below the tenant's SCIM base URL, query string included. */
    readonly path: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: unknown;
  };
  readonly response: {
    readonly status: number;
    /** Must be contained in the response body (objects partially, arrays element by element). */
    readonly body?: unknown;
    /** Paths that must be absent from the response body (see `at`). */
    readonly absent?: readonly Path[];
  };
  /** Values to keep for later steps: name → path into the response body (see `at`). */
  readonly save?: Readonly<Record<string, Path>>;
  /** What the database holds afterwards. */
  readonly stored?: StoredUser | StoredGroup;
}

export interface StoredUser {
  readonly user: string;
  /** false: no row at all (deleted); otherwise the row, its document contained like a body. */
  readonly exists?: boolean;
  readonly userName?: string;
  readonly active?: boolean;
  readonly softDeleted?: boolean;
  readonly document?: unknown;
  /** Paths the stored document must not have (see `at`). */
  readonly absent?: readonly Path[];
}

export interface StoredGroup {
  readonly group: string;
  readonly exists?: boolean;
  readonly displayName?: string;
  /** Exactly these member ids, in any order. */
  readonly members?: readonly string[];
  readonly document?: unknown;
}

export const PROVIDER_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'providers');

export interface LoadedFixture {
  /** "<provider folder>/<file name without .json>", e.g. "entra/custom-extension". */
  readonly name: string;
  /** The provider's folder. */
  readonly dir: string;
  /** The file's name in that folder, e.g. "lifecycle.json". */
  readonly file: string;
  readonly fixture: ProviderFixture;
}

/** Every *.json in every provider folder, by folder then file name. */
export function loadProviderFixtures(): LoadedFixture[] {
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return readdirSync(PROVIDER_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .sort(byName)
    .flatMap((d) =>
      readdirSync(join(PROVIDER_FIXTURES, d.name), { withFileTypes: true })
        .filter((f) => f.isFile() && f.name.endsWith('.json'))
        .sort(byName)
        .map((f) => ({
          name: `${d.name}/${f.name.slice(0, -'.json'.length)}`,
          dir: d.name,
          file: f.name,
          fixture: JSON.parse(readFileSync(join(PROVIDER_FIXTURES, d.name, f.name), 'utf8')) as ProviderFixture,
        })),
    );
}

/** Replaces every {{name}} in the strings of `value`; an unknown name is a fixture error. */
export function substitute<T>(value: T, vars: ReadonlyMap<string, string>): T {
  const replace = (s: string) =>
    s.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const v = vars.get(name);
      if (v === undefined) throw new Error(`fixture uses {{${name}}} before any step saved it`);
      return v;
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return replace(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [replace(k), walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** A dotted path ("Resources.0.id"), or its keys when one holds dots (a schema URN). */
export type Path = string | readonly string[];

/** The value at a path, or undefined. */
export function at(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of typeof path === 'string' ? path.split('.') : path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
