import { enterpriseUserSchema } from './enterprise-user-schema.js';
import { groupSchema } from './group-schema.js';
import { SchemaRegistry, type ResourceTypeDefinition } from './registry.js';
import { userSchema } from './user-schema.js';

/** RFC 7643 §4.1 and §4.3; userName is unique per tenant, case-insensitively (scim_users index). */
export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  schemaExtensions: [{ schema: enterpriseUserSchema, required: false }],
  storage: {
    table: 'scim_users',
    columns: { userName: { column: 'user_name', folded: true } },
    uniqueKeys: ['userName'],
    membership: { attribute: 'groups', side: 'member' },
    softDelete: true,
  },
  events: { prefix: 'user', activatable: true },
};

/** RFC 7643 §4.2; members live in scim_group_members. */
export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  schemaExtensions: [],
  storage: {
    table: 'scim_groups',
    columns: { displayName: { column: 'display_name', folded: true } },
    uniqueKeys: [],
    membership: { attribute: 'members', side: 'group' },
    softDelete: false,
  },
  events: { prefix: 'group', activatable: false },
};

/** The types every tenant has; a tenant's registry adds its own extensions to them. */
export const defaultRegistry = new SchemaRegistry([USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE]);
