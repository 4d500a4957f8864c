import { attribute as text, complexList } from './attribute-builders.js';
import { IDENTIFIER_MAX_LENGTH } from './limits.js';
import type { AttributeDefinition, SchemaDefinition } from './types.js';
import { userSchema } from './user-schema.js';

/** An attribute of the core User schema, which the Agent schema copies "precisely" (§5.1.4). */
function userAttribute(name: string): AttributeDefinition {
  const attribute = userSchema.attributes.find((a) => a.name === name);
  if (attribute === undefined) throw new Error(`the User schema has no ${name}`);
  return attribute;
}

/**
 * A reference to another resource of the tenant, kept by the service (provisioning/references.ts):
 * the client writes `value` (and may say `type`), the service fills `$ref` and `display`.
 */
export function referenceSubAttributes(
  what: string,
  referenceTypes: readonly string[],
  options: { withType?: boolean } = {},
): AttributeDefinition[] {
  return [
    text('value', `The id of the ${what}.`, { maxLength: IDENTIFIER_MAX_LENGTH }),
    // Immutable, as Group.members' are (RFC 7643 §4.2): a client may send them, as identity
    // providers send them for members, and the service shows its own (references.ts).
    text('$ref', `The URI of the ${what}. Set by the service.`, {
      type: 'reference',
      caseExact: true,
      mutability: 'immutable',
      referenceTypes,
    }),
    text('display', `The display name of the ${what}. Set by the service.`, { mutability: 'immutable' }),
    ...(options.withType === true
      ? [text('type', `The resource type of the ${what}.`, { canonicalValues: referenceTypes })]
      : []),
  ];
}

/**
 * The Agent schema of draft-abbey-scim-agent-extension-00 §5.1.4 and §6.1, with the draft's own
 * contradictions settled (docs/agents.md lists each, with the reason):
 * - `displayName` and `description` are in the prose (§5.1.4) but not in the JSON (§6.1): added.
 * - `active` is listed twice in §5.1.4: one attribute.
 * - `subject`, `owners`, `protocols` and `parent` are readOnly in §6.1, which would leave no
 *   client able to set them, while §5.1.4 says clients specify them: readWrite, their `$ref`
 *   and `display` immutable, as Group.members' are (the service shows its own).
 * - `protocols.specifiationUrl` (§6.1) is `specificationUrl`, as §5.1.4 and its example spell it.
 * - `owners` gains a `type` sub-attribute ("User" or "Group"), as Group.members has, so a filter
 *   can tell them apart; `applications` one for the relationship the application states.
 * - `groups` is readOnly and computed, as User.groups; this service's groups hold Users and
 *   Groups only, so an agent's is always empty and never shown.
 */
export const agentSchema: SchemaDefinition = {
  id: 'urn:ietf:params:scim:schemas:core:2.0:Agent',
  name: 'Agent',
  description: 'An AI agent',
  attributes: [
    text(
      'name',
      "Unique identifier for the Agent, typically used by the agent to directly authenticate to the service provider. Each Agent MUST include a non-empty name value.  This identifier MUST be unique across the service provider's entire set of Agents. REQUIRED.",
      { required: true, uniqueness: 'server', maxLength: IDENTIFIER_MAX_LENGTH },
    ),
    text(
      'displayName',
      'The display name of the Agent. If displayName is unassigned, the name MAY be used as the display name.',
    ),
    text('description', 'The description of the Agent.'),
    text(
      'agentType',
      "Used to classify like agents.  Typical values used might be 'Assistant', 'Reseacher', 'Chat bot', and 'Unknown', but any value may be used.",
    ),
    text('active', "A Boolean value indicating the Agent's administrative status.", { type: 'boolean' }),
    {
      ...userAttribute('groups'),
      description: 'A list of groups to which the agent belongs. Computed by the service.',
    },
    userAttribute('entitlements'),
    userAttribute('roles'),
    userAttribute('x509Certificates'),
    complexList(
      'applications',
      'The AgenticApplications that list this agent in their agents. Computed by the service.',
      [
        ...referenceSubAttributes('AgenticApplication', ['AgenticApplication']).map((a) => ({
          ...a,
          mutability: 'readOnly' as const,
        })),
        text('type', 'The relationship the application states: owned, authorized or guest.', {
          mutability: 'readOnly',
          canonicalValues: ['owned', 'authorized', 'guest'],
        }),
      ],
      { mutability: 'readOnly' },
    ),
    text('subject', 'The subject to use for this agent in inbound tokens (the `sub` claim).'),
    complexList(
      'owners',
      'A list of users or groups that are the accountable parties for the agent.',
      referenceSubAttributes('User or Group that owns this Agent', ['User', 'Group'], { withType: true }),
    ),
    complexList('protocols', 'A list of protocols to communicate with the Agent.', [
      text('type', 'One of the canonical protocol types.', { canonicalValues: ['A2A', 'OpenAPI', 'MCP-Server'] }),
      text('specificationUrl', 'URL of the specification for the protocol for this agent.', { caseExact: true }),
    ]),
    complexList('parent', 'Parent agent.', referenceSubAttributes('parent Agent', ['Agent']), { multiValued: false }),
  ],
};

/**
 * Not in either draft: when an agent stops being valid. This service's own extension, so the
 * core URN keeps only what the draft defines (docs/agents.md, "Expiry").
 */
export const agentLifecycleSchema: SchemaDefinition = {
  id: 'urn:scim-provisioning-service:schemas:extension:agent-lifecycle:1.0:Agent',
  name: 'AgentLifecycle',
  description: 'When the agent expires: the service then deactivates or deletes it, as the tenant deletes users.',
  attributes: [
    text(
      'expiresAt',
      'When the agent stops being valid. Once it has passed, the service deactivates the agent, or deletes it under the tenant\'s delete policy "delete", and emits the event.',
      { type: 'dateTime' },
    ),
  ],
};
