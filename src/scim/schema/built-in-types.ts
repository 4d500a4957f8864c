import { agentLifecycleSchema, agentSchema } from './agent-schema.js';
import { agenticApplicationSchema } from './agentic-application-schema.js';
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

/**
 * draft-abbey-scim-agent-extension-00 §5.1; `name` is unique per tenant, case-insensitively
 * (scim_agents index). Owners and the parent are references kept in scim_references.
 */
export const AGENT_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Agent',
  name: 'Agent',
  endpoint: '/Agents',
  description: 'Agent identities',
  schema: agentSchema,
  schemaExtensions: [{ schema: agentLifecycleSchema, required: false }],
  storage: {
    table: 'scim_agents',
    columns: { name: { column: 'name', folded: true } },
    uniqueKeys: ['name'],
    softDelete: false,
    references: [
      { attribute: 'owners', targets: ['User', 'Group'], typed: true },
      { attribute: 'parent', targets: ['Agent'] },
    ],
    referencedBy: [{ attribute: 'applications', from: 'AgenticApplication', via: 'agents', carry: 'type' }],
  },
  events: { prefix: 'agent', activatable: true },
};

/** draft-abbey-scim-agent-extension-00 §5.2; its agents are references kept in scim_references. */
export const AGENTIC_APPLICATION_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'AgenticApplication',
  name: 'AgenticApplication',
  endpoint: '/AgenticApplications',
  description: 'Applications that host or provide access to agents',
  schema: agenticApplicationSchema,
  schemaExtensions: [],
  storage: {
    table: 'scim_agentic_applications',
    columns: { name: { column: 'name', folded: true } },
    uniqueKeys: [],
    softDelete: false,
    references: [{ attribute: 'agents', targets: ['Agent'] }],
  },
  events: { prefix: 'agentic_application', activatable: true },
};

/** The types every tenant has; a tenant's registry adds its own extensions to them. */
export const defaultRegistry = new SchemaRegistry([
  USER_RESOURCE_TYPE,
  GROUP_RESOURCE_TYPE,
  AGENT_RESOURCE_TYPE,
  AGENTIC_APPLICATION_RESOURCE_TYPE,
]);
