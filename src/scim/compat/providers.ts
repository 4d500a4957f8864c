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

/** The provider a request comes from, by its User-Agent; undefined when it names none we know. */
export function providerFromUserAgent(userAgent: string | undefined): Provider | undefined {
  if (userAgent === undefined) return undefined;
  return USER_AGENTS.find(([pattern]) => pattern.test(userAgent))?.[1];
}
