import { webFile } from '../web-assets.js';

/** The providers the setup portal has a guide for (docs/providers), in the order it offers them. */
export const GUIDE_PROVIDERS = [
  { id: 'okta', name: 'Okta' },
  { id: 'entra', name: 'Microsoft Entra ID' },
  { id: 'google', name: 'Google Workspace' },
  { id: 'onelogin', name: 'OneLogin' },
  { id: 'jumpcloud', name: 'JumpCloud' },
  { id: 'rippling', name: 'Rippling' },
  { id: 'ping', name: 'Ping Identity' },
  { id: 'other', name: 'Another SCIM 2.0 client' },
] as const;

/** The base URL every guide shows as its example; the portal writes the tenant's in its place. */
export const EXAMPLE_BASE_URL = 'https://scim.example.com/scim/v2/acme';
/** The service's example origin, in the guides' other commands (the SaaS engineer's). */
const EXAMPLE_ORIGIN = 'https://scim.example.com';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A provider's guide as HTML, built from docs/providers/<id>.md (scripts/build-guides.mjs), with
 * the tenant's SCIM base URL where the guide shows its example one, and the service's own URL in
 * its other examples.
 */
export async function portalGuide(
  provider: string,
  urls: { scimBaseUrl: string; publicUrl: string },
): Promise<string | undefined> {
  const html = await webFile(`guides/${provider}.html`);
  return (
    html
      ?.toString('utf8')
      // Functions, not strings: a replacement string would read $& and $' in the URLs as patterns.
      .replaceAll(EXAMPLE_BASE_URL, () => escapeHtml(urls.scimBaseUrl))
      .replaceAll(EXAMPLE_ORIGIN, () => escapeHtml(urls.publicUrl))
  );
}
