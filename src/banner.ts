import type { Bootstrapped } from './tenancy/bootstrap.js';

/** The block printed once, on the first start of the zero-setup mode. */
export function firstStartBanner(first: Bootstrapped, adminToken: string | undefined, publicUrl: string): string {
  const rule = '─'.repeat(72);
  return [
    '',
    rule,
    ' SCIM provisioning service: first start',
    rule,
    ` SCIM base URL   ${first.tenant.scimBaseUrl}`,
    ` SCIM token      ${first.token}`,
    ` Admin token     ${adminToken ?? '(the value of ADMIN_TOKEN)'}`,
    ` Admin API docs  ${publicUrl}/docs`,
    '',
    ' Point your identity provider at the base URL with the SCIM token as its bearer',
    ' token. These tokens are shown only now; issue new ones with the admin API.',
    rule,
    '',
  ].join('\n');
}
