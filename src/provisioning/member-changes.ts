import { ScimError } from '../scim/errors.js';
import type { Filter } from '../scim/filter/ast.js';
import type { PatchOperation } from '../scim/patch/request.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../scim/resource/json.js';
import { isUuid } from '../scim/resource/ids.js';

/** A member as a client names it: the id, and optionally the kind it claims it is. */
export interface MemberReference {
  readonly value: string;
  readonly type: 'User' | 'Group' | undefined;
}

/**
 * A change to a group's membership. Members are kept in their own table rather than in the
 * group document, so PATCH operations on `members` are carried out row by row (O(k)).
 */
export type MemberChange =
  | { readonly kind: 'add'; readonly members: readonly MemberReference[] }
  | { readonly kind: 'replace'; readonly members: readonly MemberReference[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'removeMatching'; readonly filter: Filter; readonly replacement?: readonly MemberReference[] };

export interface SplitPatch {
  readonly memberChanges: readonly MemberChange[];
  /** The operations on the group document itself, in their original order. */
  readonly documentOperations: readonly PatchOperation[];
}

function isMembers(name: string): boolean {
  return name.toLowerCase() === 'members';
}

const MEMBER_SUB_ATTRIBUTES = new Set(['value', 'type', 'display', '$ref']);

/** `members` values: an array of {value, type?} (display and $ref are the service's to compute). */
export function memberReferences(value: JsonValue | undefined, where: string): MemberReference[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    if (!isJsonObject(item))
      throw new ScimError(400, 'invalidValue', `${where}[${index}] must be an object with a "value".`);
    const entries = new Map(Object.entries(item).map(([k, v]) => [k.toLowerCase(), v]));
    // The sub-attributes of members (RFC 7643 §4.2); display and $ref are the service's to compute.
    const unknown = [...entries.keys()].find((k) => !MEMBER_SUB_ATTRIBUTES.has(k));
    if (unknown !== undefined) {
      throw new ScimError(400, 'invalidValue', `${where}[${index}]: "${unknown}" is not a sub-attribute of members.`);
    }
    const id = entries.get('value');
    if (typeof id !== 'string' || !isUuid(id)) {
      throw new ScimError(
        400,
        'invalidValue',
        `${where}[${index}].value must be the id of a User or Group of this tenant.`,
      );
    }
    const type = entries.get('type');
    if (
      type !== undefined &&
      type !== null &&
      (typeof type !== 'string' || !['user', 'group'].includes(type.toLowerCase()))
    ) {
      throw new ScimError(400, 'invalidValue', `${where}[${index}].type must be "User" or "Group".`);
    }
    return {
      value: id.toLowerCase(),
      type: typeof type === 'string' ? (type.toLowerCase() === 'user' ? 'User' : 'Group') : undefined,
    };
  });
}

/** Separates the operations on `members` from those on the rest of the group. */
export function splitGroupPatch(operations: readonly PatchOperation[]): SplitPatch {
  const memberChanges: MemberChange[] = [];
  const documentOperations: PatchOperation[] = [];
  operations.forEach((operation, index) => {
    const where = `Operations[${index}]`;
    const path = operation.path;
    if (path === undefined) {
      // No path: the value is a partial resource whose "members" key is a member change.
      if (!isJsonObject(operation.value)) {
        documentOperations.push(operation);
        return;
      }
      const rest: JsonObject = {};
      for (const [key, value] of Object.entries(operation.value)) {
        if (isMembers(key) && operation.op !== 'remove') {
          const members = memberReferences(value, `${where}.value.members`);
          memberChanges.push(operation.op === 'add' ? { kind: 'add', members } : { kind: 'replace', members });
        } else {
          rest[key] = value;
        }
      }
      if (Object.keys(rest).length > 0) documentOperations.push({ ...operation, value: rest });
      return;
    }
    const core =
      path.path.schema === undefined ||
      path.path.schema.toLowerCase() === 'urn:ietf:params:scim:schemas:core:2.0:group';
    if (!core || !isMembers(path.path.attribute)) {
      documentOperations.push(operation);
      return;
    }
    if (path.path.subAttribute !== undefined || path.subAttribute !== undefined) {
      // members.value, members[…].display: a member's attributes are not edited in place.
      throw new ScimError(
        400,
        'mutability',
        `${where}: the sub-attributes of a member are immutable; remove the member and add it again.`,
      );
    }
    if (operation.op === 'remove') {
      memberChanges.push(
        path.filter === undefined ? { kind: 'removeAll' } : { kind: 'removeMatching', filter: path.filter },
      );
    } else if (path.filter !== undefined) {
      if (operation.op === 'add')
        throw new ScimError(400, 'invalidPath', `${where}: add takes "members", not a filtered path.`);
      memberChanges.push({
        kind: 'removeMatching',
        filter: path.filter,
        replacement: memberReferences(operation.value, `${where}.value`),
      });
    } else {
      const members = memberReferences(operation.value, `${where}.value`);
      memberChanges.push(operation.op === 'add' ? { kind: 'add', members } : { kind: 'replace', members });
    }
  });
  return { memberChanges, documentOperations };
}
