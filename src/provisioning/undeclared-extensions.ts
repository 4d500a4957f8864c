import { ScimError } from '../scim/errors.js';
import type { JsonObject, JsonValue } from '../scim/resource/json.js';
import {
  MAX_UNDECLARED_PER_TENANT,
  typeHolding,
  undeclaredInPatch,
  undeclaredInResource,
  withOpenExtensions,
  type FoundExtensions,
} from '../scim/schema/open-extensions.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { sqlOf, type Database } from '../storage/db.js';
import type { TenantSchemaStore } from '../storage/tenant-schema-store.js';
import type { TenantContext } from './context.js';

const NONE: FoundExtensions = new Map();

/**
 * 400 when the request would take the tenant past MAX_UNDECLARED_PER_TENANT undeclared attributes,
 * counted in its registry (as of its profile, up to 2 s old: the limit is approximate by as much).
 */
function withinTenantLimit(ctx: TenantContext, type: ResourceTypeDefinition, sent: FoundExtensions): FoundExtensions {
  if (sent.size === 0) return sent;
  const open = ctx.registry.resourceTypes.flatMap((t) => t.schemaExtensions.filter((e) => e.open === true));
  const known = open.reduce((n, e) => n + e.schema.attributes.length, 0);
  const mine = new Set(
    type.schemaExtensions
      .filter((e) => e.open === true)
      .flatMap((e) => e.schema.attributes.map((a) => `${e.schema.id.toLowerCase()}:${a.name.toLowerCase()}`)),
  );
  const added = [...sent.values()]
    .flatMap((e) => [...e.attributes].map((a) => `${e.urn.toLowerCase()}:${a.toLowerCase()}`))
    .filter((k) => !mine.has(k)).length;
  if (known + added > MAX_UNDECLARED_PER_TENANT) {
    throw new ScimError(
      400,
      'invalidValue',
      `This tenant already holds ${known} attributes under extensions it has not declared, and accepts at most ${MAX_UNDECLARED_PER_TENANT}: declare its extensions (GET /admin/v1/tenants/{id}/unregistered-attributes lists them).`,
    );
  }
  return sent;
}

/**
 * Extension URNs a tenant never declared (docs/schemas.md, "Unknown extensions"). A tenant that
 * accepts them gets each write checked against its type widened with open extensions for the
 * URNs the request carries; every tenant keeps the ones a stored resource already holds (from
 * before a switch back to "reject"), so that a PATCH of that resource still applies.
 */
export class UndeclaredExtensions {
  constructor(
    private readonly db: Database,
    private readonly store: TenantSchemaStore,
    /** A new attribute raised the tenant's schema version: this replica reads it at once. */
    private readonly onNewAttributes: (tenantId: string) => void = () => undefined,
  ) {}

  /** What a POST or PUT body (or a pathless value) carries that the tenant never declared. */
  inResource(ctx: TenantContext, type: ResourceTypeDefinition, body: unknown): FoundExtensions {
    return ctx.unknownExtensions === 'accept' ? withinTenantLimit(ctx, type, undeclaredInResource(type, body)) : NONE;
  }

  /** What a PATCH's operations (as the provider rules left them) name that the tenant never declared. */
  inPatch(ctx: TenantContext, type: ResourceTypeDefinition, body: unknown): FoundExtensions {
    if (ctx.unknownExtensions !== 'accept' || typeof body !== 'object' || body === null) return NONE;
    const operations = Object.entries(body).find(([key]) => key.toLowerCase() === 'operations')?.[1] as unknown;
    if (!Array.isArray(operations)) return NONE;
    return withinTenantLimit(ctx, type, undeclaredInPatch(type, operations as JsonValue[]));
  }

  /** The type the write is checked against: with what it carries, and what the resource holds. */
  typeFor(type: ResourceTypeDefinition, sent: FoundExtensions, existing?: JsonObject): ResourceTypeDefinition {
    return withOpenExtensions(existing === undefined ? type : typeHolding(type, existing), sent);
  }

  /**
   * Counts the request in the tenant's list of undeclared attributes, before its write: a failure
   * here fails the request with nothing changed, and a write that then fails leaves a count of one
   * request too many, never an attribute stored that the list does not show.
   */
  async record(ctx: TenantContext, type: ResourceTypeDefinition, sent: FoundExtensions): Promise<void> {
    if (sent.size === 0) return;
    // In one order for every request, so that two requests counting the same attributes take
    // their rows' locks in the same order and never deadlock.
    const key = (a: { urn: string; attribute: string }) => `${a.urn.toLowerCase()}\u0000${a.attribute.toLowerCase()}`;
    const attributes = [...sent.values()]
      .flatMap((e) => [...e.attributes].map((attribute) => ({ urn: e.urn, attribute })))
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (await this.store.recordUndeclared(sqlOf(this.db), ctx.tenantId, type.id, attributes)) {
      this.onNewAttributes(ctx.tenantId);
    }
  }
}
