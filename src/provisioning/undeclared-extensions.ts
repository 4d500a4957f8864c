import type { JsonObject, JsonValue } from '../scim/resource/json.js';
import {
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
    return ctx.unknownExtensions === 'accept' ? undeclaredInResource(type, body) : NONE;
  }

  /** What a PATCH's operations (as the provider rules left them) name that the tenant never declared. */
  inPatch(ctx: TenantContext, type: ResourceTypeDefinition, body: unknown): FoundExtensions {
    if (ctx.unknownExtensions !== 'accept' || typeof body !== 'object' || body === null) return NONE;
    const operations = Object.entries(body).find(([key]) => key.toLowerCase() === 'operations')?.[1] as unknown;
    return Array.isArray(operations) ? undeclaredInPatch(type, operations as JsonValue[]) : NONE;
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
    const attributes = [...sent.values()].flatMap((e) =>
      [...e.attributes].map((attribute) => ({ urn: e.urn, attribute })),
    );
    if (await this.store.recordUndeclared(sqlOf(this.db), ctx.tenantId, type.id, attributes)) {
      this.onNewAttributes(ctx.tenantId);
    }
  }
}
