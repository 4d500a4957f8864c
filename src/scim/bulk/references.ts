import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import type { BulkOperation } from './request.js';

/** RFC 7644 §3.7.2: a reference is the bulkId prefixed with the literal "bulkId:". */
export const BULK_ID_PREFIX = 'bulkId:';

/** "bulkId:qwerty" → "qwerty"; any other string is not a reference. */
export function bulkIdIn(value: string): string | undefined {
  return value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length
    ? value.slice(BULK_ID_PREFIX.length)
    : undefined;
}

/**
 * The bulkIds an operation depends on: the one its path names, and every string value of its data
 * that is exactly a reference. §3.7.2 shows members[].value and requires that "extensions that
 * include references to other resources MUST be handled in the same way" (manager.value), so the
 * whole data is searched rather than a list of known reference attributes.
 */
export function referencedBulkIds(operation: BulkOperation): Set<string> {
  const found = new Set<string>();
  const add = (value: string) => {
    const bulkId = bulkIdIn(value);
    if (bulkId !== undefined) found.add(bulkId);
  };
  if (operation.method !== 'POST') add(operation.id);
  if (operation.method === 'DELETE') return found;
  // Iterative, so a deeply nested body cannot exhaust the stack.
  const stack: JsonValue[] = [operation.data];
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    if (typeof value === 'string') add(value);
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (isJsonObject(value)) for (const member of Object.values(value)) stack.push(member);
  }
  return found;
}

/**
 * The operation with each reference replaced by the id its POST created (§3.7.2: the service
 * provider "MUST replace the string "bulkId:qwerty" with the permanent resource id once created").
 * References missing from `resolved` are left as they are.
 */
export function resolveReferences(operation: BulkOperation, resolved: ReadonlyMap<string, string>): BulkOperation {
  const replace = (value: string) => {
    const bulkId = bulkIdIn(value);
    return bulkId === undefined ? value : (resolved.get(bulkId) ?? value);
  };
  switch (operation.method) {
    case 'POST':
      return { ...operation, data: copyReplacing(operation.data, replace) };
    case 'DELETE':
      return { ...operation, id: replace(operation.id) };
    case 'PUT':
    case 'PATCH':
      return { ...operation, id: replace(operation.id), data: copyReplacing(operation.data, replace) };
  }
}

type Container = JsonObject | JsonValue[];

/** A deep copy with every string passed through `replace`; iterative, like the search above. */
function copyReplacing(root: JsonObject, replace: (value: string) => string): JsonObject {
  const copy: JsonObject = {};
  const work: { from: Container; to: Container }[] = [{ from: root, to: copy }];
  const copied = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return replace(value);
    if (Array.isArray(value) || isJsonObject(value)) {
      const to: Container = Array.isArray(value) ? [] : {};
      work.push({ from: value, to });
      return to;
    }
    return value;
  };
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { from, to } = item;
    if (Array.isArray(from) && Array.isArray(to)) {
      for (const value of from) to.push(copied(value));
    } else if (!Array.isArray(from) && !Array.isArray(to)) {
      // defineProperty, not assignment: a member named "__proto__" must stay a plain member.
      for (const [key, value] of Object.entries(from)) {
        Object.defineProperty(to, key, { value: copied(value), enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return copy;
}
