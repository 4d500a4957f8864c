/** The identity providers the service knows by name (issue 6); "generic" is any other client. */
export const PROVIDERS = ['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'rippling', 'ping', 'generic'] as const;
export type Provider = (typeof PROVIDERS)[number];

// How each provider's provisioning client names itself in User-Agent (as seen in their
// requests and in the projects that log them); the first match wins.
const USER_AGENTS: readonly [RegExp, Provider][] = [
  [/okta/i, 'okta'],
  [/azure|microsoft|entra|aad/i, 'entra'],
  [/google/i, 'google'],
  [/onelogin/i, 'onelogin'],
  [/jumpcloud/i, 'jumpcloud'],
  [/rippling/i, 'rippling'],
  [/ping ?(identity|one|federate)|pingone/i, 'ping'],
];

/**
 * The provider a request comes from, by its headers (lower-case names, as Node gives them):
 * its User-Agent, else a header only that provider sends. Undefined when none we know.
 */
export function providerFromHeaders(headers: Readonly<Record<string, unknown>>): Provider | undefined {
  const userAgent = headers['user-agent'];
  const named =
    typeof userAgent === 'string' ? USER_AGENTS.find(([pattern]) => pattern.test(userAgent))?.[1] : undefined;
  if (named !== undefined) return named;
  // Entra ID's provisioning client stamps every request with an ADSCIMVersion header (Bitwarden's
  // SCIM server tells Entra ID apart by it: bitwarden/server, bitwarden_license/src/Scim/Context).
  if (headers['adscimversion'] !== undefined) return 'entra';
  return undefined;
}
