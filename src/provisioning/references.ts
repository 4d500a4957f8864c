import { ScimError } from '../scim/errors.js';
import { isUuid } from '../scim/resource/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../scim/resource/json.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import type { ReferenceDescriptor } from '../scim/schema/storage-descriptor.js';
import type { Transaction } from '../storage/db.js';
import type { LinkedResourceStore } from '../storage/linked-resource-store.js';
import type { EventToAppend } from '../storage/outbox.js';
import type { ReferenceStore } from '../storage/reference-store.js';
import type { StoredResource } from '../storage/resource-rows.js';
import type { TenantContext } from './context.js';
import { updated } from './events.js';
import { linkedWrite } from './linked-write.js';

/** A resource a reference points at. */
export interface ReferenceTarget {
  readonly id: string;
  readonly type: string;
}

/** The references a document holds, by attribute: what scim_references must hold for it. */
export type CheckedReferences = ReadonlyMap<string, readonly ReferenceTarget[]>;

const valuesOf = (value: JsonValue | undefined): JsonValue[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/**
 * References between a tenant's resources (Agent owners and parent, AgenticApplication agents):
 * checked when written, shown with their `$ref` and `display`, and removed from every resource
 * that holds one when the resource they point at leaves SCIM, in that same transaction.
 */
export class References {
  constructor(
    private readonly store: ReferenceStore,
    /** The stores of the types that hold references, by type id. */
    private readonly holders: ReadonlyMap<string, LinkedResourceStore>,
  ) {}

  /**
   * Checks every reference of a validated document: an id of a resource of the tenant, of a type
   * the attribute allows (and, for a typed one, of the type the client says), named once, and no
   * parent chain that comes back to the resource. Holds the targets until the transaction ends.
   * Returns the document with each value's id in canonical form and its type filled in.
   */
  async check(
    tx: Transaction,
    ctx: TenantContext,
    type: ResourceTypeDefinition,
    id: string,
    document: JsonObject,
  ): Promise<{ document: JsonObject; references: CheckedReferences }> {
    const references = new Map<string, ReferenceTarget[]>();
    const result: JsonObject = { ...document };
    for (const descriptor of type.storage.references ?? []) {
      const attribute = descriptor.attribute;
      const values = valuesOf(document[attribute]);
      if (values.length === 0) {
        references.set(attribute, []);
        continue;
      }
      const ids = values.map((value, index) => idOf(descriptor, value, index));
      const kinds = await this.store.kinds(tx, ctx.tenantId, ids, descriptor.targets);
      const seen = new Set<string>();
      const kept: JsonValue[] = [];
      const targets: ReferenceTarget[] = [];
      values.forEach((value, index) => {
        const target = ids[index] as string;
        const where = Array.isArray(document[attribute]) ? `${attribute}[${index}]` : attribute;
        const kind = kinds.get(target);
        const allowed = descriptor.targets.join(' or ');
        if (kind === undefined)
          throw new ScimError(400, 'invalidValue', `${where}.value ${target} is not a ${allowed} of this tenant.`);
        const object = value as JsonObject;
        if (descriptor.typed === true) {
          const claimed = object['type'];
          if (typeof claimed === 'string' && claimed.toLowerCase() !== kind.toLowerCase())
            throw new ScimError(400, 'invalidValue', `${where}.value ${target} is a ${kind}, not a ${claimed}.`);
        }
        if (target === id)
          throw new ScimError(400, 'invalidValue', `${where}.value: a resource cannot reference itself.`);
        if (seen.has(target)) return;
        seen.add(target);
        // $ref and display are the service's to show (computed()), never stored as sent.
        const { value: _sent, $ref: _ref, display: _display, ...rest } = object;
        kept.push({ value: target, ...rest, ...(descriptor.typed === true ? { type: kind } : {}) });
        targets.push({ id: target, type: kind });
      });
      if (attribute === 'parent' && targets[0] !== undefined) {
        if (await this.store.isAncestorOrSelf(tx, ctx.tenantId, targets[0].id, id))
          throw new ScimError(
            400,
            'invalidValue',
            `parent: ${targets[0].id} descends from this agent; parents cannot form a cycle.`,
          );
      }
      result[attribute] = Array.isArray(document[attribute]) ? kept : (kept[0] ?? null);
      references.set(attribute, targets);
    }
    return { document: result, references };
  }

  /** Makes scim_references hold exactly the checked references of the resource. */
  async sync(
    tx: Transaction,
    ctx: TenantContext,
    typeId: string,
    id: string,
    references: CheckedReferences,
  ): Promise<void> {
    for (const [attribute, targets] of references) {
      await this.store.replace(tx, ctx.tenantId, { id, type: typeId }, attribute, targets);
    }
  }

  /**
   * Locks the resources that reference this one, before the caller locks it to delete or
   * deactivate it: a writer of those resources locks them first and the ones they reference
   * after (FOR KEY SHARE), so taking them in the same order here leaves no cycle to deadlock on.
   * Returns them, by type.
   */
  async lockHolders(
    tx: Transaction,
    ctx: TenantContext,
    targetId: string,
    attribute?: string,
  ): Promise<Map<string, StoredResource[]>> {
    const locked = new Map<string, StoredResource[]>();
    for (const [typeId, ids] of await this.store.holdersOf(tx, ctx.tenantId, targetId, attribute)) {
      const store = this.holders.get(typeId);
      if (store !== undefined) locked.set(typeId, await store.lockMany(tx, ctx.tenantId, ids));
    }
    return locked;
  }

  /** A deleted resource's own references go with it. */
  async sourceRemoved(tx: Transaction, tenantId: string, id: string): Promise<void> {
    await this.store.removeSource(tx, tenantId, id);
  }

  /**
   * A resource left SCIM: every resource that referenced it loses the reference, gets a new
   * version and emits its update. Returns those events and the agents that lost an owner.
   */
  async targetRemoved(
    tx: Transaction,
    ctx: TenantContext,
    targetId: string,
  ): Promise<{ events: EventToAppend[]; lostOwner: string[] }> {
    const removed = await this.store.removeTarget(tx, ctx.tenantId, targetId);
    const events: EventToAppend[] = [];
    const lostOwner: string[] = [];
    const sources = new Map<string, { type: string; attributes: Set<string> }>();
    for (const ref of removed) {
      const entry = sources.get(ref.sourceId) ?? { type: ref.sourceType, attributes: new Set<string>() };
      entry.attributes.add(ref.attribute);
      sources.set(ref.sourceId, entry);
      if (ref.attribute === 'owners') lostOwner.push(ref.sourceId);
    }
    for (const [sourceId, { type: typeId, attributes }] of sources) {
      const store = this.holders.get(typeId);
      const type = ctx.registry.type(typeId);
      const current = await store?.find(tx, ctx.tenantId, sourceId, true);
      if (store === undefined || current === undefined) continue;
      // What is left of each attribute; an emptied one is unassigned (RFC 7643 §2.5).
      const document = Object.fromEntries(
        Object.entries(current.document).flatMap(([key, value]): [string, JsonValue][] => {
          if (!attributes.has(key)) return [[key, value]];
          const left = valuesOf(value).filter((v) => !(isJsonObject(v) && v['value'] === targetId));
          return Array.isArray(value) && left.length > 0 ? [[key, left]] : [];
        }),
      );
      const written = await store.update(tx, ctx.tenantId, sourceId, linkedWrite(type, document));
      events.push(...updated(ctx, type, sourceId, current.document, document, { stored: written }));
    }
    return { events, lostOwner };
  }

  /**
   * The attributes the service computes for these resources: each reference with its `$ref` and
   * current `display`, and the read-only attributes made from others' references to them.
   */
  async computed(
    q: Transaction,
    ctx: TenantContext,
    type: ResourceTypeDefinition,
    resources: readonly StoredResource[],
  ): Promise<Map<string, JsonObject>> {
    const result = new Map<string, JsonObject>(resources.map((r) => [r.id, {}]));
    const descriptors = type.storage.references ?? [];
    const wanted: ReferenceTarget[] = [];
    for (const resource of resources) {
      for (const d of descriptors) {
        for (const value of valuesOf(resource.document[d.attribute])) {
          if (isJsonObject(value) && typeof value['value'] === 'string')
            wanted.push({ id: value['value'], type: targetType(d, value) });
        }
      }
    }
    const displays = await this.store.displays(q, ctx.tenantId, wanted);
    for (const resource of resources) {
      const extra = result.get(resource.id) as JsonObject;
      for (const d of descriptors) {
        const value = resource.document[d.attribute];
        if (value === undefined) continue;
        const shown = valuesOf(value).map((v) => {
          if (!isJsonObject(v) || typeof v['value'] !== 'string') return v;
          const kind = targetType(d, v);
          const display = displays.get(v['value']);
          return {
            ...v,
            $ref: `${ctx.baseUrl}${ctx.registry.type(kind).endpoint}/${v['value']}`,
            ...(display === undefined ? {} : { display }),
          };
        });
        extra[d.attribute] = Array.isArray(value) ? shown : (shown[0] ?? null);
      }
    }
    for (const reverse of type.storage.referencedBy ?? []) {
      const rows = await this.store.reverse(
        q,
        ctx.tenantId,
        resources.map((r) => r.id),
        { type: reverse.from, attribute: reverse.via, carry: reverse.carry },
      );
      const endpoint = `${ctx.baseUrl}${ctx.registry.type(reverse.from).endpoint}`;
      for (const row of rows) {
        const extra = result.get(row.targetId);
        if (extra === undefined) continue;
        const list = (extra[reverse.attribute] as JsonValue[] | undefined) ?? [];
        list.push({
          value: row.sourceId,
          $ref: `${endpoint}/${row.sourceId}`,
          display: row.display,
          ...(row.carried === undefined || reverse.carry === undefined ? {} : { [reverse.carry]: row.carried }),
        });
        extra[reverse.attribute] = list;
      }
    }
    return result;
  }
}

/** The type a stored reference points at: its own `type` when typed, else the one allowed. */
function targetType(descriptor: ReferenceDescriptor, value: JsonObject): string {
  const claimed = value['type'];
  if (descriptor.typed === true && typeof claimed === 'string') return claimed;
  return descriptor.targets[0] as string;
}

/** The id a reference value names, lowercased; a 400 naming the value when it names none. */
function idOf(descriptor: ReferenceDescriptor, value: JsonValue, index: number): string {
  const id = isJsonObject(value) ? value['value'] : undefined;
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new ScimError(
      400,
      'invalidValue',
      `${descriptor.attribute}[${index}].value must be the id of a ${descriptor.targets.join(' or ')} of this tenant.`,
    );
  }
  return id.toLowerCase();
}
