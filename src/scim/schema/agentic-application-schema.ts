import { referenceSubAttributes } from './agent-schema.js';
import { attribute, complexList as complex } from './attribute-builders.js';
import { IDENTIFIER_MAX_LENGTH } from './limits.js';
import type { SchemaDefinition } from './types.js';

/**
 * The AgenticApplication schema of draft-abbey-scim-agent-extension-00 §5.2.4. The draft gives
 * it in prose only (§6.2 is empty), so the characteristics here are RFC 7643 §2.2's defaults,
 * except where noted:
 * - `name` is REQUIRED (§5.2.4); unlike Agent.name the draft does not make it unique.
 * - URLs and OAuth identifiers compare case-exactly: they are URIs and client ids.
 * - `agents.ref` (§5.2.4) is `$ref`, as every SCIM reference is spelled; `$ref` and `display`
 *   are the service's to fill in, and an agent listed here shows the application in its
 *   read-only `applications`.
 */
export const agenticApplicationSchema: SchemaDefinition = {
  id: 'urn:ietf:params:scim:schemas:core:2.0:AgenticApplication',
  name: 'AgenticApplication',
  description: 'Applications that host or provide access to agents',
  attributes: [
    attribute('name', 'The name of the Agentic Application. REQUIRED.', {
      required: true,
      maxLength: IDENTIFIER_MAX_LENGTH,
    }),
    attribute(
      'displayName',
      'The display name of the Agentic Application. If displayName is unassigned, the name MAY be used as the display name.',
    ),
    attribute('description', 'The description of the Agentic Application.'),
    attribute('active', "A Boolean value indicating the application's administrative status.", { type: 'boolean' }),
    complex('applicationUrls', 'URLs associated with the application.', [
      attribute('type', 'The type of URL.', { canonicalValues: ['ssoEndpoint', 'loginPage', 'api', 'homepage'] }),
      attribute('primary', 'Whether this is the primary URL of this type.', { type: 'boolean' }),
      attribute('value', 'The URL.', { caseExact: true }),
      attribute('description', 'A human-readable description of the URL.'),
    ]),
    attribute('lastAccessed', 'When the application was last accessed by any agent or user.', { type: 'dateTime' }),
    complex('oAuthConfiguration', 'The OAuth connections of the application.', [
      attribute('clientId', 'The OAuth client identifier (RFC 6749 §2.2).', { caseExact: true }),
      attribute('description', 'A human-readable description of the client ID.'),
      attribute('audienceUri', 'The OAuth audience (the "aud" claim, RFC 7519 §4.1.3).', { caseExact: true }),
      attribute('issuerUri', 'The identity provider issuer URI (the "iss" claim, RFC 7519 §4.1.1).', {
        caseExact: true,
      }),
      attribute('redirectUri', 'Authorized redirect URIs.', { multiValued: true, caseExact: true }),
    ]),
    complex('agents', 'Agents associated with this application.', [
      ...referenceSubAttributes('Agent associated with this application', ['Agent']),
      attribute('type', 'The relationship type between the agent and application.', {
        canonicalValues: ['owned', 'authorized', 'guest'],
      }),
    ]),
    complex('externalIdentifiers', 'Identifiers associated with this application.', [
      attribute('type', 'The type of identifier.'),
      attribute('value', 'The identifier.', { caseExact: true }),
      attribute('system', 'The system or domain this identifier is valid within.'),
    ]),
  ],
};
