import { ScimError } from '../scim/errors.js';
import type { JsonObject } from '../scim/resource/json.js';
import {
  compareExtensionDefinitions,
  storedValuePaths,
  type ExtensionChange,
} from '../scim/schema/extension-change.js';
import {
  extensionDefinitionBody,
  parseExtensionDefinition,
  type ExtensionDefinitionBody,
  type ParsedExtension,
} from '../scim/schema/extension-definition.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { parseAttributeMapping } from '../scim/mapping/attribute-mapping.js';
import { inTransaction, sqlOf, type Database, type Transaction } from '../storage/db.js';
import type { TenantSchemaRow, TenantSchemaStore, UndeclaredAttributeRow } from '../storage/tenant-schema-store.js';
import { TenantNotFoundError } from './errors.js';
import type { TenantRegistries } from './tenant-registries.js';
import type { Tenants } from './tenants.js';

/** An extension as the admin API shows it. */
export interface TenantSchema {
  readonly definition: ExtensionDefinitionBody;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What PUT did: created or replaced, and what the change meant for the stored data. */
export interface PutResult extends TenantSchema {
  readonly created: boolean;
  /** The changes that stored values are unaffected by, or that no stored value had to survive. */
  readonly changes: readonly string[];
}

/**
 * A tenant's schema extensions (docs/schemas.md). What a change does to data already stored:
 * - adding an attribute (or a sub-attribute) is always allowed: no stored value has it yet;
 * - removing an attribute, or deleting the extension, is refused while any resource of the
 *   tenant holds a value for it: the value would stay in the documents, invisible to SCIM and
 *   unvalidated, and would come back under whatever a later definition of the name says;
 * - retyping one (type, multiValued, caseExact, a narrower canonicalValues, a sub-attribute
 *   removed or retyped) is refused while any resource holds a value for it, since the stored
 *   values would no longer be valid ones;
 * - every other characteristic (description, required, mutability, returned, referenceTypes, a
 *   wider canonicalValues) changes freely: it governs later requests, not stored values.
 * Refusals are 409 and name the attribute and how many resources hold a value for it.
 */
export class TenantSchemas {
  constructor(
    private readonly db: Database,
    private readonly store: TenantSchemaStore,
    private readonly tenants: Tenants,
    private readonly registries: TenantRegistries,
  ) {}

  async list(tenantId: string): Promise<TenantSchema[]> {
    await this.tenants.get(tenantId);
    return (await this.store.list(sqlOf(this.db), tenantId)).map((row) => this.present(row));
  }

  /**
   * The attributes providers sent under extension URNs the tenant never declared, while it
   * accepted them: what to declare, with how many requests carried each.
   */
  async unregistered(tenantId: string): Promise<UndeclaredAttributeRow[]> {
    await this.tenants.get(tenantId);
    return this.store.listUndeclared(sqlOf(this.db), tenantId);
  }

  async get(tenantId: string, urn: string): Promise<TenantSchema> {
    await this.tenants.get(tenantId);
    const row = await this.store.find(sqlOf(this.db), tenantId, urn);
    if (row === undefined) throw notRegistered(tenantId, urn);
    return this.present(row);
  }

  async put(tenantId: string, urn: string, body: unknown): Promise<PutResult> {
    const sent = parseExtensionDefinition(urn, body, this.builtInTypeIds());
    const result = await inTransaction(this.db, async (tx) => {
      await this.lock(tx, tenantId);
      const { existing, others } = await this.extensions(tx, tenantId, urn);
      const allUndeclared = await this.store.listUndeclared(tx, tenantId);
      const undeclared = allUndeclared.filter(
        (r) => r.resourceType === sent.resourceType && r.urn.toLowerCase() === urn.toLowerCase(),
      );
      // Stored documents hold the extension under the URN as first registered, or as first seen
      // when it was accepted undeclared: a definition spelled in other case keeps that spelling.
      const spelling = existing?.urn ?? undeclared[0]?.urn;
      const parsed = spelling === undefined ? sent : { ...sent, schema: { ...sent.schema, id: spelling } };
      // The mapping first: it costs no scan of the tenant's resources.
      await this.checkMapping(tx, tenantId, [...others.map((r) => this.parse(r)), parsed], allUndeclared);
      const changes = existing === undefined ? [] : await this.checkChange(tx, tenantId, this.parse(existing), parsed);
      if (existing === undefined && undeclared.length > 0) {
        await this.checkPromotion(tx, tenantId, parsed, undeclared);
        await this.store.forgetUndeclared(tx, tenantId, parsed.resourceType, urn);
      }
      const definition = extensionDefinitionBody(parsed.resourceType, parsed.schema);
      const created = await this.store.put(tx, tenantId, parsed.schema.id, parsed.resourceType, asJson(definition));
      return { created, changes };
    });
    this.changed(tenantId);
    const row = await this.store.find(sqlOf(this.db), tenantId, urn);
    if (row === undefined) throw notRegistered(tenantId, urn);
    return { ...this.present(row), ...result };
  }

  async delete(tenantId: string, urn: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await this.lock(tx, tenantId);
      const { existing, others } = await this.extensions(tx, tenantId, urn);
      if (existing === undefined) throw notRegistered(tenantId, urn);
      const parsed = this.parse(existing);
      await this.checkMapping(
        tx,
        tenantId,
        others.map((r) => this.parse(r)),
        await this.store.listUndeclared(tx, tenantId),
      );
      await this.refuseStoredValues(
        tx,
        tenantId,
        parsed,
        parsed.schema.attributes.map((a) => a.name),
        'deleting the extension would leave them in the documents, invisible and unvalidated',
      );
      await this.store.delete(tx, tenantId, urn);
    });
    this.changed(tenantId);
  }

  /** The tenant's extensions, read once under its lock: the one at `urn`, if any, and the others. */
  private async extensions(
    tx: Transaction,
    tenantId: string,
    urn: string,
  ): Promise<{ existing: TenantSchemaRow | undefined; others: TenantSchemaRow[] }> {
    const rows = await this.store.list(tx, tenantId);
    const isIt = (r: TenantSchemaRow) => r.urn.toLowerCase() === urn.toLowerCase();
    return { existing: rows.find(isIt), others: rows.filter((r) => !isIt(r)) };
  }

  /** The tenant's schema lock, then the fence that makes its writes wait or fail (tenant-schema-store.ts). */
  private async lock(tx: Transaction, tenantId: string): Promise<void> {
    if (!(await this.store.lockTenant(tx, tenantId))) throw new TenantNotFoundError(tenantId);
    await this.store.fenceWrites(tx, tenantId);
  }

  /**
   * 409 when the tenant's attribute mapping names an attribute the extensions after the change
   * would no longer have: the mapping changes first, so that events never lose a field silently.
   */
  private async checkMapping(
    tx: Transaction,
    tenantId: string,
    extensions: readonly ParsedExtension[],
    undeclared: readonly UndeclaredAttributeRow[],
  ): Promise<void> {
    const mapping = await this.store.attributeMapping(tx, tenantId);
    if (mapping === undefined || mapping === null) return;
    try {
      parseAttributeMapping(mapping, this.registries.build(extensions, undeclared));
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      throw new ScimError(
        409,
        undefined,
        `The tenant's attribute mapping would no longer hold: ${error.detail} Change the mapping first (PUT /admin/v1/tenants/${tenantId}/attribute-mapping).`,
      );
    }
  }

  /**
   * Declaring a URN that was accepted undeclared: its values were stored as sent and are read and
   * filtered as case-insensitive strings, so an attribute that holds values must be declared as
   * exactly that (a single-valued string, caseExact false) and hold only strings; an attribute the
   * declaration leaves out must hold none. Anything else would leave values the new definition
   * does not describe, so it is refused (409) until they are cleared.
   */
  private async checkPromotion(
    tx: Transaction,
    tenantId: string,
    declared: ParsedExtension,
    seen: readonly UndeclaredAttributeRow[],
  ): Promise<void> {
    const type = this.type(declared.resourceType);
    const urn = declared.schema.id;
    for (const row of seen) {
      const count = await this.store.countWithValue(tx, type.storage.table, tenantId, urn, row.attribute);
      if (count === 0) continue;
      const refuse = (why: string): never => {
        throw new ScimError(
          409,
          undefined,
          `${count} ${type.name} ${count === 1 ? 'resource holds' : 'resources hold'} a value for ${urn}:${row.attribute}, ` +
            `accepted before the extension was declared, and ${why}. Clear the values first (PATCH with "op": "remove"), or declare the attribute so.`,
        );
      };
      const attribute = declared.schema.attributes.find((a) => a.name.toLowerCase() === row.attribute.toLowerCase());
      if (attribute === undefined) refuse('the declaration leaves it out, which would leave them invisible');
      else if (attribute.name !== row.attribute)
        refuse(`they are stored as "${row.attribute}", not "${attribute.name}"`);
      else if (attribute.type !== 'string' || attribute.multiValued || attribute.caseExact) {
        refuse(
          'they were stored as sent and are read as case-insensitive strings: declare it a single-valued string, caseExact false',
        );
      } else {
        const others = await this.store.countOtherThan(tx, type.storage.table, tenantId, urn, row.attribute, 'string');
        if (others > 0) refuse(`${others} of them are not strings`);
      }
    }
  }

  /** The changes from `before` to `after` that are allowed, or a 409 naming those that are not. */
  private async checkChange(
    tx: Transaction,
    tenantId: string,
    before: ParsedExtension,
    after: ParsedExtension,
  ): Promise<string[]> {
    if (before.resourceType !== after.resourceType) {
      // Moving the extension to another type removes every attribute from the first one.
      await this.refuseStoredValues(
        tx,
        tenantId,
        before,
        before.schema.attributes.map((a) => a.name),
        `moving the extension from ${before.resourceType} to ${after.resourceType} would strand them`,
      );
      return [`resourceType: ${before.resourceType} → ${after.resourceType}`];
    }
    const change = respelled(before, after, compareExtensionDefinitions(before.schema, after.schema));
    const removed = new Set(change.removed.map((p) => p.toLowerCase()));
    for (const path of storedValuePaths(change)) {
      const retyped = change.retyped.filter((r) => r.path.toLowerCase().split('.')[0] === path.toLowerCase());
      const why = removed.has(path.toLowerCase())
        ? 'removing it would leave them in the documents, invisible and unvalidated'
        : `the change (${retyped.map((r) => `${r.path}: ${r.change}`).join('; ')}) would make them invalid`;
      await this.refuseStoredValues(tx, tenantId, before, [path], why);
    }
    return [
      ...change.added.map((p) => `${p}: added`),
      ...change.removed.map((p) => `${p}: removed (no resource held a value)`),
      ...change.retyped.map((r) => `${r.path}: ${r.change} (no resource held a value)`),
      ...change.other,
    ];
  }

  /** 409 when any resource of the extension's type holds a value for one of `attributes`. */
  private async refuseStoredValues(
    tx: Transaction,
    tenantId: string,
    extension: ParsedExtension,
    attributes: readonly string[],
    why: string,
  ): Promise<void> {
    const type = this.type(extension.resourceType);
    for (const attribute of attributes) {
      const count = await this.store.countWithValue(tx, type.storage.table, tenantId, extension.schema.id, attribute);
      if (count > 0) {
        throw new ScimError(
          409,
          undefined,
          `${count} ${type.name} ${count === 1 ? 'resource' : 'resources'} of tenant "${tenantId}" ` +
            `${count === 1 ? 'holds' : 'hold'} a value for ` +
            `${extension.schema.id}:${attribute}, and ${why}. Clear the values first (PATCH with "op": "remove"), ` +
            `or keep the attribute as it is.`,
        );
      }
    }
  }

  private type(id: string): ResourceTypeDefinition {
    return this.registries.builtIn.type(id);
  }

  private builtInTypeIds(): string[] {
    return this.registries.builtIn.resourceTypes.map((t) => t.id);
  }

  private parse(row: TenantSchemaRow): ParsedExtension {
    return this.registries.parse(row);
  }

  private present(row: TenantSchemaRow): TenantSchema {
    const parsed = this.parse(row);
    return {
      definition: extensionDefinitionBody(parsed.resourceType, parsed.schema),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  /** This replica serves the change from its next request; the others within 2 s (Tenants.profile). */
  private changed(tenantId: string): void {
    this.registries.forget(tenantId);
    this.tenants.forgetProfile(tenantId);
  }
}

/**
 * Two more changes stored values do not survive, beyond those extension-change.ts classifies:
 * - a name respelled in other case: stored documents spell attribute names as the definition did
 *   when they were written (names compare case-insensitively, RFC 7643 §2.1, but the stored keys
 *   would no longer be the canonical ones);
 * - mutability turned readOnly: clients may not write a readOnly value, so the next write of a
 *   resource would drop the one it holds (validate.ts leaves readOnly attributes out).
 */
function respelled(before: ParsedExtension, after: ParsedExtension, change: ExtensionChange): ExtensionChange {
  const retyped = [...change.retyped];
  for (const old of before.schema.attributes) {
    const now = after.schema.attributes.find((a) => a.name.toLowerCase() === old.name.toLowerCase());
    if (now === undefined) continue;
    if (now.name !== old.name) retyped.push({ path: old.name, change: `name: ${old.name} → ${now.name}` });
    if (old.mutability !== 'readOnly' && now.mutability === 'readOnly') {
      retyped.push({ path: old.name, change: `mutability: ${old.mutability} → readOnly` });
    }
  }
  return { ...change, retyped };
}

function notRegistered(tenantId: string, urn: string): ScimError {
  return new ScimError(404, undefined, `Tenant "${tenantId}" has no schema extension "${urn}".`);
}

function asJson(body: ExtensionDefinitionBody): JsonObject {
  return JSON.parse(JSON.stringify(body)) as JsonObject;
}
