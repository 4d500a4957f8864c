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

/**
 * DATA_DIR kept its database but lost secrets.json: the new JWT key invalidates every SCIM token
 * issued before, the new webhook key cannot decrypt the stored webhook secrets, and a new admin
 * token must be shown or nobody could use the admin API.
 */
export function lostSecretsWarning(generated: readonly string[], adminToken: string | undefined): string {
  const lines = ['', ' WARNING: DATA_DIR/secrets.json was missing for an existing database.'];
  if (generated.includes('jwtSecret')) {
    lines.push(' A new JWT signing key was generated: SCIM tokens issued before no longer work.');
  }
  if (generated.includes('webhookSecretKey')) {
    lines.push(' A new webhook secret key was generated: rotate the secret of every webhook made before.');
  }
  if (generated.includes('adminToken') && adminToken !== undefined) lines.push(` New admin token: ${adminToken}`);
  return `${lines.join('\n')}\n\n`;
}
