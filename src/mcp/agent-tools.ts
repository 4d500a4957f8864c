import { z } from 'zod';
import { agentLifecycleSchema, agentSchema } from '../scim/schema/agent-schema.js';
import { IDENTIFIER_MAX_LENGTH } from '../scim/schema/limits.js';
import type { ToolKit } from './directory-tools.js';

// The tenant's agent identities as MCP tools (draft-abbey-scim-agent-extension-00; docs/agents.md),
// built from the kit the user and group tools are built from: the same scopes, refusals, events
// and request log, over the Agent and AgenticApplication use cases.

const EXPIRES_AT = `${agentLifecycleSchema.id}:expiresAt`;

export function agentTools(kit: ToolKit): void {
  kit.searchTool('search_agents', {
    type: 'Agent',
    plural: 'agents',
    key: 'agents',
    attributes: ['id', 'name', 'displayName', 'agentType', 'active', 'externalId'],
    example: 'name eq "billing-assistant" or agentType eq "Assistant"',
  });
  kit.getTool('get_agent', {
    type: 'Agent',
    title: 'Get an agent',
    description: `One agent as SCIM represents it: its owners, parent, protocols, the applications that list it, and its expiry (${EXPIRES_AT}).`,
    listed: 'applications',
  });
  kit.searchTool('search_agentic_applications', {
    type: 'AgenticApplication',
    plural: 'agentic applications',
    key: 'agenticApplications',
    attributes: ['id', 'name', 'displayName', 'active', 'externalId'],
    example: 'name eq "Expense portal" or active eq true',
  });
  kit.getTool('get_agentic_application', {
    type: 'AgenticApplication',
    title: 'Get an agentic application',
    description: 'One agentic application as SCIM represents it: its URLs, OAuth configuration and agents.',
    listed: 'agents',
  });

  kit.tool('create_agent', {
    title: 'Create an agent',
    description:
      'Create an agent identity. name is required and unique in the tenant (case-insensitively); the rest is optional. Returns the created agent.',
    inputSchema: {
      name: z
        .string()
        .min(1)
        .max(IDENTIFIER_MAX_LENGTH)
        .describe('Unique in the tenant, e.g. the name the agent authenticates with.'),
      displayName: z.string().max(256).optional(),
      description: z.string().max(2_000).optional(),
      agentType: z.string().max(256).optional().describe('A class of like agents, e.g. Assistant, Researcher.'),
      owners: z
        .array(z.uuid())
        .min(1)
        .max(100)
        .optional()
        .describe('Ids of the users or groups of this tenant accountable for the agent.'),
      expiresAt: z.iso
        .datetime({ offset: true })
        // PostgreSQL keeps years 0001–9999 (references.ts): refused here, naming this argument.
        .refine((value) => !value.startsWith('0000-'), 'years 0001 to 9999')
        .optional()
        .describe(
          'When the agent stops being valid, e.g. 2027-01-31T00:00:00Z; the service then deactivates it (or deletes it, when the tenant deletes users).',
        ),
    },
    writes: { destructive: false, idempotent: false },
    // After the input schema, what SCIM refuses is a name taken or an owner not of this tenant.
    refusals: { uniqueness: 'name', value: 'owners' },
    work: async (ctx, args) => {
      const body = {
        schemas: [agentSchema.id, ...(args.expiresAt === undefined ? [] : [agentLifecycleSchema.id])],
        name: args.name,
        ...(args.displayName === undefined ? {} : { displayName: args.displayName }),
        ...(args.description === undefined ? {} : { description: args.description }),
        ...(args.agentType === undefined ? {} : { agentType: args.agentType }),
        // The service finds whether each id is a User or a Group, and says so in owners.type.
        ...(args.owners === undefined ? {} : { owners: args.owners.map((id) => ({ value: id.toLowerCase() })) }),
        ...(args.expiresAt === undefined ? {} : { [agentLifecycleSchema.id]: { expiresAt: args.expiresAt } }),
      };
      return (await kit.service('Agent').create(ctx, body, {})).resource;
    },
  });
  kit.updateTool('update_agent', {
    type: 'Agent',
    noun: 'agent',
    paths: `description, owners, protocols[type eq "MCP-Server"].specificationUrl, ${EXPIRES_AT}`,
  });
  kit.deactivateTool('deactivate_agent', {
    type: 'Agent',
    title: 'Deactivate an agent',
    description: "Set an agent's active to false: the app refuses it, its data kept. Returns the agent.",
  });
}
