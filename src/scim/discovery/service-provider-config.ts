import { BULK_LIMITS } from '../bulk/request.js';

export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** What the service implements, and nothing more: each flag turns true with the feature. */
export interface Capabilities {
  readonly patch: boolean;
  readonly bulk: { readonly supported: boolean; readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly filter: { readonly supported: boolean; readonly maxResults: number };
  readonly changePassword: boolean;
  readonly sort: boolean;
  readonly etag: boolean;
  readonly agents: { readonly agents: boolean; readonly agenticApplications: boolean };
}

/** Page sizes of list and search responses (RFC 7644 §3.4.2.4); maxCount is filter.maxResults. */
export const LIST_LIMITS = { defaultCount: 100, maxCount: 1000 } as const;

export const CAPABILITIES: Capabilities = {
  patch: true,
  bulk: { supported: true, ...BULK_LIMITS },
  filter: { supported: true, maxResults: LIST_LIMITS.maxCount },
  // Clients may replace the write-only password with PUT or PATCH (RFC 7643 §5 changePassword).
  changePassword: true,
  sort: true,
  etag: true,
  agents: { agents: true, agenticApplications: true },
};

export interface ServiceProviderConfigOptions {
  readonly baseUrl: string;
  readonly documentationUri: string;
  readonly capabilities?: Capabilities;
}

/** RFC 7643 §5. */
export function serviceProviderConfig({
  baseUrl,
  documentationUri,
  capabilities = CAPABILITIES,
}: ServiceProviderConfigOptions) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri,
    patch: { supported: capabilities.patch },
    bulk: { ...capabilities.bulk },
    filter: { ...capabilities.filter },
    changePassword: { supported: capabilities.changePassword },
    sort: { supported: capabilities.sort },
    etag: { supported: capabilities.etag },
    // draft-abbey-scim-agent-extension-00 §4.1: servers with Agents MUST say so here.
    agentExtension: {
      supported: capabilities.agents.agents || capabilities.agents.agenticApplications,
      agentsSupported: capabilities.agents.agents,
      agenticApplicationsSupported: capabilities.agents.agenticApplications,
    },
    // RFC 9865 §4: both paging methods; cursors are keysets and do not expire (no cursorTimeout).
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: LIST_LIMITS.defaultCount,
      maxPageSize: LIST_LIMITS.maxCount,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token issued for this tenant through the admin API (RFC 6750).',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        documentationUri,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}
