import { ScimError } from '../errors.js';
import type { Filter, PatchPath } from '../filter/ast.js';
import { compileValueFilter, type ElementPredicate } from '../filter/evaluate.js';
import { formatPatchPath } from '../filter/format.js';
import { parsePatchPath } from '../filter/parse.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import { changedAttributes, jsonEqual } from '../resource/changed-attributes.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import { resolvePath, resolveSubAttribute } from '../schema/resolve.js';
import type { AttributeDefinition, SchemaDefinition } from '../schema/types.js';
import type { PatchOperation } from './request.js';

type Op = PatchOperation['op'];

export interface PatchResult {
  readonly document: JsonObject;
  /** Canonical top-level names whose value differs, extension ones as "<urn>:<attr>", for change events. */
  readonly changed: string[];
  /** Provider rules (scim/compat) the engine applied. */
  readonly rules: string[];
}

export interface PatchOptions {
  /**
   * `add` or `replace` on `emails[type eq "work"].value` when no email is a work one creates
   * it, as Entra ID and Okta expect, instead of failing with noTarget (compat rule
   * create-filtered-element). Only for filters that are equalities, which say what to create.
   */
  readonly createMissingFilteredElements?: boolean;
}

export const CREATE_FILTERED_ELEMENT = 'create-filtered-element';

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to a stored canonical document: core attributes under
 * their canonical names, extension attributes in an object keyed by the extension URN.
 *
 * "A PATCH request, regardless of the number of operations, SHALL be treated as atomic" (§3.5.2):
 * the operations run in order on a copy, and the first failure throws, leaving `document` as it was.
 * Errors are ScimError 400 whose detail starts with the failing `Operations[i]`. Attribute types are
 * not checked in depth: the caller re-validates the result as it validates a PUT.
 */
export function applyPatch(
  type: ResourceTypeDefinition,
  document: JsonObject,
  operations: readonly PatchOperation[],
  options: PatchOptions = {},
): PatchResult {
  // A deep copy, so the result shares nothing with the caller's document.
  const patcher = new Patcher(type, structuredClone(document), options);
  operations.forEach((operation, index) => {
    try {
      patcher.apply(operation);
    } catch (error) {
      if (error instanceof ScimError) {
        throw new ScimError(error.status, error.scimType, `Operations[${index}]: ${error.detail}`);
      }
      throw error;
    }
  });
  return {
    document: patcher.document,
    changed: changedAttributes(type, document, patcher.document),
    rules: [...patcher.rules],
  };
}

/** Where a top-level attribute lives: in the document itself or in its extension's object. */
interface Slot {
  readonly attribute: AttributeDefinition;
  /** The canonical URN of the extension holding the attribute; undefined for core and common attributes. */
  readonly extension: string | undefined;
}

/** The elements of a multi-valued attribute a path selects. */
interface Selection {
  readonly predicate: ElementPredicate;
  /** False for `emails.value` without brackets, which addresses every element. */
  readonly filtered: boolean;
  /** What an element created for an unmatched equality filter starts with (`{type: "work"}`). */
  readonly seed?: JsonObject;
}

type Target =
  | { readonly kind: 'extension'; readonly schema: SchemaDefinition; readonly label: string }
  | {
      readonly kind: 'attribute';
      readonly slot: Slot;
      readonly label: string;
      readonly selection: Selection | undefined;
      readonly sub: AttributeDefinition | undefined;
    };

/** Before and after of one element an operation rewrote in place, for the mutability check. */
type ElementPair = readonly [JsonObject | undefined, JsonObject | undefined];

class Patcher {
  private readonly extensions: readonly SchemaDefinition[];
  private readonly schemaUrns: readonly string[];

  /** Replaced, never mutated, on each write: the caller's document and its values stay untouched. */
  document: JsonObject;
  readonly rules = new Set<string>();

  constructor(
    private readonly type: ResourceTypeDefinition,
    document: JsonObject,
    private readonly options: PatchOptions,
  ) {
    this.document = document;
    this.extensions = type.schemaExtensions.map((e) => e.schema);
    this.schemaUrns = [type.schema.id, ...this.extensions.map((s) => s.id)];
  }

  apply(operation: PatchOperation): void {
    if (operation.path !== undefined) {
      this.applyTarget(operation.op, this.resolve(operation.path), operation.value);
      return;
    }
    if (operation.op === 'remove') {
      throw new ScimError(400, 'noTarget', '"remove" requires a "path" (RFC 7644 §3.5.2.2).');
    }
    // §3.5.2.1 / §3.5.2.3: without "path" the target is the resource itself and "value" holds
    // attributes, each treated as if it were the path of its own operation.
    if (!isJsonObject(operation.value)) {
      throw invalidValue(
        `without "path", the value of "${operation.op}" must be an object of attributes (RFC 7644 §3.5.2.1, §3.5.2.3).`,
      );
    }
    for (const [key, value] of Object.entries(operation.value)) {
      this.applyTarget(operation.op, this.targetOfKey(key), value);
    }
  }

  private applyTarget(op: Op, target: Target, value: JsonValue | undefined): void {
    if (op !== 'remove' && value === undefined) {
      throw invalidValue(`"${op}" requires a "value" (RFC 7644 §3.5.2.1, §3.5.2.3).`);
    }
    if (target.kind === 'extension') {
      this.applyExtension(op, target.schema, value);
      return;
    }
    const { slot } = target;
    // Writes replace values rather than mutate them, so `before` stays as it was.
    const before = this.read(slot);
    const pairs = this.applyAttribute(op, target, value);
    checkChange(slot.attribute, qualifiedName(slot), before, this.read(slot), pairs);
    this.reconcileExtension(slot.extension);
  }

  /** A key of a "value" without "path": an extension URN, or an attribute path without filter. */
  private targetOfKey(key: string): Target {
    const schema = this.extension(key);
    if (schema !== undefined) return { kind: 'extension', schema, label: schema.id };
    const path = parsePatchPath(key, { schemaUrns: this.schemaUrns });
    if (path.filter !== undefined) {
      throw new ScimError(
        400,
        'invalidPath',
        `"${key}": attribute names in a "value" without "path" take no value filter.`,
      );
    }
    return this.resolve(path);
  }

  private resolve(patchPath: PatchPath): Target {
    const { path, filter, subAttribute } = patchPath;
    const label = formatPatchPath(patchPath);
    // A bare extension URN is also a syntactically valid "urn…:2.0" + "User" attrPath; accept both readings.
    if (
      filter === undefined &&
      subAttribute === undefined &&
      path.subAttribute === undefined &&
      path.schema !== undefined
    ) {
      const schema = this.extension(path.attribute === '' ? path.schema : `${path.schema}:${path.attribute}`);
      if (schema !== undefined) return { kind: 'extension', schema, label };
    }
    if (path.attribute === '') {
      throw new ScimError(400, 'invalidPath', `"${label}" is not a schema extension of ${this.type.name} resources.`);
    }
    const resolved = resolvePath(this.type, path, 'invalidPath');
    const attribute = resolved.attribute;
    const slot: Slot = {
      attribute,
      extension: resolved.extension && resolved.schema !== undefined ? resolved.schema.id : undefined,
    };
    if (filter !== undefined) {
      if (!attribute.multiValued) {
        throw new ScimError(
          400,
          'invalidPath',
          `"${label}": a value filter selects values of a multi-valued attribute, and ${attribute.name} is single-valued.`,
        );
      }
      const predicate = compileValueFilter(this.type, attribute, filter, 'invalidPath');
      const sub = subAttribute === undefined ? undefined : subAttributeOf(attribute, subAttribute, label);
      const seed = equalitySeed(attribute, filter);
      return {
        kind: 'attribute',
        slot,
        label,
        selection: { predicate, filtered: true, ...(seed === undefined ? {} : { seed }) },
        sub,
      };
    }
    const sub = resolved.subAttribute;
    // "emails.value" names the "value" of every email (RFC 7644 §3.10 attribute notation).
    const selection =
      sub !== undefined && attribute.multiValued ? { predicate: () => true, filtered: false } : undefined;
    return { kind: 'attribute', slot, label, selection, sub };
  }

  private applyAttribute(
    op: Op,
    target: Target & { kind: 'attribute' },
    value: JsonValue | undefined,
  ): ElementPair[] | undefined {
    const { slot, selection, sub, label } = target;
    if (selection !== undefined) return this.applyToElements(op, slot, selection, sub, value, label);
    if (sub !== undefined) {
      this.applyToSubAttribute(op, slot, sub, value, label);
      return undefined;
    }
    this.applyToWhole(op, slot, value, label);
    return undefined;
  }

  /** A whole attribute: `nickName`, `emails`, `name`. */
  private applyToWhole(op: Op, slot: Slot, value: JsonValue | undefined, label: string): void {
    const { attribute } = slot;
    if (op === 'remove') {
      // §3.5.2.2 gives "remove" no "value"; one sent anyway is ignored (see PatchOperation.value).
      this.write(slot, undefined);
      return;
    }
    const current = this.read(slot);
    if (attribute.multiValued) {
      const incoming = elementsOf(attribute, value, label);
      if (op === 'replace') {
        // §3.5.2.3: "the attribute and all values are replaced".
        enforcePrimary(attribute, incoming, incoming);
        this.write(slot, incoming);
        return;
      }
      // §3.5.2.1: "a new value is added"; one already contained makes "no changes".
      const list = Array.isArray(current) ? [...current] : [];
      const added = incoming.filter((element) => {
        if (list.some((existing) => contains(existing, element))) return false;
        list.push(element);
        return true;
      });
      enforcePrimary(attribute, list, added);
      this.write(slot, list);
      return;
    }
    if (attribute.type === 'complex' && value !== null) {
      // §3.5.2.3: sub-attributes "not specified in the 'value' parameter are left unchanged"; §3.5.2.1
      // asks for "a set of sub-attributes" too, so both merge.
      this.write(slot, merge(isJsonObject(current) ? current : {}, complexValue(attribute, value, label)));
      return;
    }
    this.write(slot, simpleValue(attribute, value, label));
  }

  /** A sub-attribute of a single-valued complex attribute: `name.givenName`, `…:User:manager.value`. */
  private applyToSubAttribute(
    op: Op,
    slot: Slot,
    sub: AttributeDefinition,
    value: JsonValue | undefined,
    label: string,
  ): void {
    const current = this.read(slot);
    if (op === 'remove' && !isJsonObject(current)) return;
    const next = op === 'remove' ? undefined : subValue(sub, value, label);
    this.write(slot, withMember(isJsonObject(current) ? current : {}, sub.name, next));
  }

  /** Selected elements of a multi-valued attribute: `members[value eq "…"]`, `emails[type eq "work"].value`. */
  private applyToElements(
    op: Op,
    slot: Slot,
    selection: Selection,
    sub: AttributeDefinition | undefined,
    value: JsonValue | undefined,
    label: string,
  ): ElementPair[] {
    const { attribute } = slot;
    const current = this.read(slot);
    const list: (JsonValue | undefined)[] =
      current === undefined ? [] : Array.isArray(current) ? [...current] : [current];
    // A simple multi-valued attribute's element is addressed as its "value" (see compileValueFilter).
    const selected = list.flatMap((element, index) => {
      const view = isJsonObject(element) ? element : { value: element ?? null };
      return selection.predicate(view) ? [index] : [];
    });
    if (selected.length === 0) {
      // Nothing to remove from an attribute without values: it already is unassigned (§3.5.2.2).
      if (op === 'remove' && !selection.filtered) return [];
      if (op !== 'remove' && this.options.createMissingFilteredElements === true && selection.seed !== undefined) {
        const created: JsonObject =
          sub !== undefined
            ? withMember(selection.seed, sub.name, subValue(sub, value, label))
            : { ...selection.seed, ...complexValue(attribute, value, label) };
        this.write(slot, [...list.filter((e): e is JsonValue => e !== undefined), created]);
        this.rules.add(CREATE_FILTERED_ELEMENT);
        return [[undefined, created]];
      }
      return noMatch(op, label);
    }
    if (op === 'remove' && sub === undefined) {
      // §3.5.2.2: "the values matched by the filter are removed"; an emptied attribute is unassigned.
      this.write(
        slot,
        list.filter((element, index): element is JsonValue => element !== undefined && !selected.includes(index)),
      );
      return [];
    }
    const patch = op === 'remove' || sub !== undefined ? undefined : replacementOf(attribute, value, label);
    const next = op === 'remove' || sub === undefined ? undefined : subValue(sub, value, label);
    const pairs: ElementPair[] = [];
    const written: JsonValue[] = [];
    for (const index of selected) {
      const before = list[index];
      let after: JsonValue | undefined;
      if (sub !== undefined) {
        // §3.5.2.3: "the matching sub-attribute of all matching records is replaced".
        after = withMember(isJsonObject(before) ? before : {}, sub.name, next);
      } else if (isJsonObject(patch)) {
        // "add" merges into the selected values; "replace" replaces them whole (§3.5.2.3).
        after = op === 'add' ? merge(isJsonObject(before) ? before : {}, patch) : withoutNulls(patch);
      } else {
        after = patch ?? undefined;
      }
      pairs.push([isJsonObject(before) ? before : undefined, isJsonObject(after) ? after : undefined]);
      list[index] = after;
      if (op !== 'remove' && after !== undefined) written.push(after);
    }
    // §3.5.2.2: "Sub-attributes whose values have been removed SHALL be considered unassigned";
    // an element left with none is no value at all.
    const result = list.filter((element): element is JsonValue => element !== undefined && isAssigned(element));
    enforcePrimary(attribute, result, written);
    this.write(slot, result);
    return pairs;
  }

  /** A whole extension named by its URN: its attributes one by one, so each gets its own checks. */
  private applyExtension(op: Op, schema: SchemaDefinition, value: JsonValue | undefined): void {
    const target = (attribute: AttributeDefinition): Target => ({
      kind: 'attribute',
      slot: { attribute, extension: schema.id },
      label: `${schema.id}:${attribute.name}`,
      selection: undefined,
      sub: undefined,
    });
    if (op === 'remove') {
      const container = this.document[schema.id];
      if (!isJsonObject(container)) return;
      for (const attribute of schema.attributes) {
        if (Object.hasOwn(container, attribute.name)) this.applyTarget('remove', target(attribute), undefined);
      }
      this.document = withMember(this.document, schema.id, undefined);
      this.reconcileExtension(schema.id);
      return;
    }
    if (!isJsonObject(value)) {
      throw invalidValue(`the value for "${schema.id}" must be an object of its attributes.`);
    }
    for (const [key, attributeValue] of Object.entries(value)) {
      const attribute = byName(schema.attributes, key);
      if (attribute === undefined) {
        throw new ScimError(
          400,
          'invalidPath',
          `"${schema.id}:${key}" is not an attribute of ${this.type.name} resources.`,
        );
      }
      this.applyTarget(op, target(attribute), attributeValue);
    }
  }

  private extension(urn: string): SchemaDefinition | undefined {
    const lower = urn.toLowerCase();
    return this.extensions.find((schema) => schema.id.toLowerCase() === lower);
  }

  private read(slot: Slot): JsonValue | undefined {
    const container = slot.extension === undefined ? this.document : this.document[slot.extension];
    return isJsonObject(container) ? container[slot.attribute.name] : undefined;
  }

  /** Unassigned, null and empty values are one state (RFC 7643 §2.5): all are stored as absence. */
  private write(slot: Slot, value: JsonValue | undefined): void {
    const stored = value === undefined || !isAssigned(value) ? undefined : value;
    const name = slot.attribute.name;
    if (slot.extension === undefined) {
      this.document = withMember(this.document, name, stored);
      return;
    }
    const container = this.document[slot.extension];
    if (!isJsonObject(container) && stored === undefined) return;
    const updated = withMember(isJsonObject(container) ? container : {}, name, stored);
    this.document = withMember(this.document, slot.extension, updated);
  }

  /**
   * Keeps "schemas" in step with the extension objects: adding an extension attribute "automatically
   * adds the value ... to the resource's 'schemas' attribute" (§3.5.2); an extension left without
   * attributes is dropped along with its URN.
   */
  private reconcileExtension(urn: string | undefined): void {
    if (urn === undefined) return;
    const lower = urn.toLowerCase();
    const current = this.document.schemas;
    const schemas = Array.isArray(current) ? current : [this.type.schema.id];
    const listed = schemas.some((s) => typeof s === 'string' && s.toLowerCase() === lower);
    const container = this.document[urn];
    if (isJsonObject(container) && Object.keys(container).length > 0) {
      if (!listed) this.document = withMember(this.document, 'schemas', [...schemas, urn]);
      return;
    }
    this.document = withMember(this.document, urn, undefined);
    if (listed) {
      const rest = schemas.filter((s) => !(typeof s === 'string' && s.toLowerCase() === lower));
      this.document = withMember(this.document, 'schemas', rest);
    }
  }
}

/**
 * A value filter that selects nothing: §3.5.2.3 requires 400 noTarget for "replace", and §3.12
 * defines noTarget as a path whose "filter ... yields no match", which this applies to "add" and
 * "remove" too. Kept in one place: provider rules that create the element instead start here.
 */
/** `type eq "work" and display eq "x"` → `{type: "work", display: "x"}`; undefined for any other filter. */
function equalitySeed(attribute: AttributeDefinition, filter: Filter): JsonObject | undefined {
  if (attribute.type !== 'complex') return undefined;
  if (filter.kind === 'and') {
    const left = equalitySeed(attribute, filter.left);
    const right = equalitySeed(attribute, filter.right);
    return left === undefined || right === undefined ? undefined : { ...left, ...right };
  }
  if (filter.kind !== 'compare' || filter.operator !== 'eq' || filter.value === null) return undefined;
  if (filter.path.schema !== undefined || filter.path.subAttribute !== undefined) return undefined;
  const sub = byName(attribute.subAttributes, filter.path.attribute);
  return sub === undefined ? undefined : { [sub.name]: filter.value };
}

function noMatch(op: Op, label: string): never {
  throw new ScimError(400, 'noTarget', `"${label}" matches no value to ${op} (RFC 7644 §3.5.2, §3.12).`);
}

/**
 * RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has mutability 'readOnly' or
 * 'immutable'. However, a client MAY 'add' a value to an 'immutable' attribute if the attribute had
 * no previous value"; §3.5.2.2: an attribute that "is removed or becomes unassigned and is defined
 * as a required attribute or a read-only attribute" is a "mutability" error. Judged on the effect,
 * so an operation that leaves a value as it was (a client echoing "id") modifies nothing.
 */
function checkChange(
  attribute: AttributeDefinition,
  label: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  pairs: readonly ElementPair[] | undefined,
): void {
  if (jsonEqual(before, after)) return;
  checkCharacteristics(attribute, label, before, after);
  if (attribute.type !== 'complex' || after === undefined) return;
  if (!attribute.multiValued) {
    if (isJsonObject(after)) checkSubAttributes(attribute, label, isJsonObject(before) ? before : undefined, after);
    return;
  }
  // Without explicit pairs (append, whole-list replace) every value not there before is new.
  const previous = Array.isArray(before) ? before : [];
  const elementPairs: readonly ElementPair[] =
    pairs ??
    (Array.isArray(after) ? after : [])
      .filter((element) => isJsonObject(element) && !previous.some((old) => jsonEqual(old, element)))
      .map((element): ElementPair => [undefined, isJsonObject(element) ? element : undefined]);
  for (const [old, current] of elementPairs) {
    if (current !== undefined) checkSubAttributes(attribute, label, old, current);
  }
}

function checkSubAttributes(
  attribute: AttributeDefinition,
  label: string,
  before: JsonObject | undefined,
  after: JsonObject,
): void {
  for (const sub of attribute.subAttributes ?? []) {
    const old = before?.[sub.name];
    const current = after[sub.name];
    if (!jsonEqual(old, current)) checkCharacteristics(sub, `${label}.${sub.name}`, old, current);
  }
}

function checkCharacteristics(
  attribute: AttributeDefinition,
  label: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
): void {
  if (attribute.mutability === 'readOnly') {
    throw new ScimError(400, 'mutability', `"${label}" is readOnly and cannot be modified (RFC 7644 §3.5.2).`);
  }
  if (attribute.mutability === 'immutable' && isAssigned(before)) {
    throw new ScimError(
      400,
      'mutability',
      `"${label}" is immutable: it may be added while unassigned, not changed or removed (RFC 7644 §3.5.2).`,
    );
  }
  if (attribute.required && isAssigned(before) && !isAssigned(after)) {
    throw new ScimError(400, 'mutability', `"${label}" is required and cannot be removed (RFC 7644 §3.5.2.2).`);
  }
}

/**
 * RFC 7644 §3.5.2: setting a value's "primary" to true "SHALL cause the server to automatically set
 * 'primary' to 'false' for any other values". Others already not primary are left as they are; two
 * values made primary by one operation contradict RFC 7643 §2.4 ("no more than once").
 */
function enforcePrimary(attribute: AttributeDefinition, list: JsonValue[], written: readonly JsonValue[]): void {
  const primary = attribute.subAttributes?.find((sub) => sub.name === 'primary' && sub.type === 'boolean');
  if (primary === undefined) return;
  const chosen = written.filter((element) => isJsonObject(element) && element[primary.name] === true);
  if (chosen.length > 1) {
    throw invalidValue(`more than one value of ${attribute.name} has "primary" true (RFC 7643 §2.4).`);
  }
  const [one] = chosen;
  if (one === undefined) return;
  list.forEach((element, index) => {
    if (element !== one && isJsonObject(element) && element[primary.name] === true) {
      list[index] = { ...element, [primary.name]: false };
    }
  });
}

/** The values of a multi-valued attribute in a "value": an array, or a single value for one. */
function elementsOf(attribute: AttributeDefinition, value: JsonValue | undefined, label: string): JsonValue[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item) => {
    if (item === null) throw invalidValue(`"${label}": a value of ${attribute.name} cannot be null.`);
    const element =
      attribute.type === 'complex'
        ? withoutNulls(complexValue(attribute, item, label))
        : simpleValue(attribute, item, label);
    return element !== undefined && isAssigned(element) ? [element] : [];
  });
}

/** What replaces (or, for "add", merges into) each selected element. */
function replacementOf(
  attribute: AttributeDefinition,
  value: JsonValue | undefined,
  label: string,
): JsonValue | undefined {
  if (attribute.type === 'complex') return complexValue(attribute, value, label);
  return simpleValue(attribute, value, label);
}

/** A complex value with canonical sub-attribute names; null sub-attributes are kept to unassign them. */
function complexValue(attribute: AttributeDefinition, value: JsonValue | undefined, label: string): JsonObject {
  if (!isJsonObject(value)) {
    throw invalidValue(
      `"${label}": ${attribute.name} is complex, so the value must be an object of its sub-attributes.`,
    );
  }
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = byName(attribute.subAttributes, key);
    if (sub === undefined) throw invalidValue(`"${label}": ${attribute.name} has no sub-attribute "${key}".`);
    result[sub.name] = subValue(sub, item, label) ?? null;
  }
  return result;
}

/** A value of a sub-attribute, which is never complex (RFC 7643 §2.3.8); undefined when unassigned. */
function subValue(sub: AttributeDefinition, value: JsonValue | undefined, label: string): JsonValue | undefined {
  if (!sub.multiValued) return simpleValue(sub, value, label);
  const items = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  const values = items.flatMap((item) => {
    const single = simpleValue(sub, item, label);
    return single === undefined ? [] : [single];
  });
  return values.length === 0 ? undefined : values;
}

/** A single simple value: anything but an object or array; null means unassigned (RFC 7643 §2.5). */
function simpleValue(
  attribute: AttributeDefinition,
  value: JsonValue | undefined,
  label: string,
): JsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  if ((isJsonObject(value) || Array.isArray(value)) && attribute.undeclared === true) {
    throw invalidValue(
      `"${label}" is an attribute of an extension this tenant has not declared, so it takes a single string, number or boolean; declare the extension (docs/schemas.md) to send ${Array.isArray(value) ? 'a list' : 'an object'}.`,
    );
  }
  if (isJsonObject(value) || Array.isArray(value)) {
    throw invalidValue(
      `"${label}": ${attribute.name} takes a single ${attribute.type} value, not ${Array.isArray(value) ? 'an array' : 'an object'}.`,
    );
  }
  return value;
}

function subAttributeOf(attribute: AttributeDefinition, name: string, label: string): AttributeDefinition {
  if (attribute.type !== 'complex') {
    throw new ScimError(400, 'invalidPath', `"${label}": ${attribute.name} has no sub-attributes.`);
  }
  return resolveSubAttribute(attribute, name, 'invalidPath');
}

function merge(base: JsonObject, patch: JsonObject): JsonObject {
  return Object.entries(patch).reduce((result, [key, value]) => withMember(result, key, value ?? undefined), base);
}

/** A copy of `object` with `key` set, or without it when `value` is undefined; keys keep their order. */
function withMember(object: JsonObject, key: string, value: JsonValue | undefined): JsonObject {
  if (value !== undefined) return { ...object, [key]: value };
  if (!Object.hasOwn(object, key)) return object;
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

function withoutNulls(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => isAssigned(value)));
}

/** True when `existing` already holds `element`: every sub-attribute given is there with that value. */
function contains(existing: JsonValue, element: JsonValue): boolean {
  if (isJsonObject(existing) && isJsonObject(element)) {
    return Object.entries(element).every(([key, value]) => jsonEqual(existing[key], value));
  }
  return jsonEqual(existing, element);
}

/** RFC 7643 §2.5: unassigned, null and an empty array are the same state; an empty complex value too. */
function isAssigned(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return true;
}

function byName(list: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return list?.find((attribute) => attribute.name.toLowerCase() === lower);
}

function qualifiedName(slot: Slot): string {
  return slot.extension === undefined ? slot.attribute.name : `${slot.extension}:${slot.attribute.name}`;
}

function invalidValue(detail: string): ScimError {
  return new ScimError(400, 'invalidValue', detail);
}

/** Attributes whose stored value differs between the two documents, in schema order. */
