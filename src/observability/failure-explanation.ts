/**
 * A refused SCIM request from the tenant's request log, told in words an IT admin acts on: what
 * their identity provider sent, why the service refused it, and what to change in the provider's
 * setup. The setup portal shows these (issue 14); the wording never needs SCIM to be understood.
 */

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  okta: 'Okta',
  entra: 'Entra ID',
  google: 'Google Workspace',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  rippling: 'Rippling',
  ping: 'Ping Identity',
};

/** The provider's name as an IT admin knows it; "Your identity provider" for one we do not know. */
export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? 'Your identity provider';
}

export interface LoggedFailure {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly provider: string;
  readonly responseBody: string | undefined;
}

export interface FailureExplanation {
  /** One sentence: what the provider sent and what became of it. */
  readonly summary: string;
  /** What to change, and where. */
  readonly fix: string;
  /** The service's own words (the SCIM error's detail), for whoever digs further. */
  readonly detail: string | undefined;
}

interface ScimErrorShape {
  readonly scimType?: unknown;
  readonly detail?: unknown;
}

function errorOf(body: string | undefined): { scimType: string | undefined; detail: string | undefined } {
  if (body === undefined) return { scimType: undefined, detail: undefined };
  try {
    const parsed = JSON.parse(body) as ScimErrorShape;
    return {
      scimType: typeof parsed.scimType === 'string' ? parsed.scimType : undefined,
      detail: typeof parsed.detail === 'string' ? parsed.detail : undefined,
    };
  } catch {
    return { scimType: undefined, detail: undefined };
  }
}

/** "a user", "a group", or "a request", from the request's path. */
function subjectOf(path: string): { noun: string; kind: 'user' | 'group' | undefined } {
  if (/\/Users(\/|\?|$)/.test(path)) return { noun: 'a user', kind: 'user' };
  if (/\/Groups(\/|\?|$)/.test(path)) return { noun: 'a group', kind: 'group' };
  return { noun: 'a request', kind: undefined };
}

/**
 * The first double-quoted name in a detail ("…" is not an attribute of …), without backquotes,
 * which the portal reads as the edges of a name.
 */
const quoted = (detail: string) => /"([^"]+)"/.exec(detail)?.[1]?.replaceAll('`', "'");

const UNDEFINED_ATTRIBUTE = /is not an attribute of|not an attribute of any schema this tenant declared/;
const UNDECLARED_EXTENSION = /an extension this tenant has not declared/;
const UNKNOWN_SCHEMA = /is not a schema of/;

export function explainFailure(entry: LoggedFailure): FailureExplanation {
  const who = providerName(entry.provider);
  const { scimType, detail } = errorOf(entry.responseBody);
  const { noun, kind } = subjectOf(entry.path);
  const explained = (summary: string, fix: string): FailureExplanation => ({ summary, fix, detail });
  const mapping = `${who}'s attribute mapping for this application`;

  if (entry.status === 409 || scimType === 'uniqueness') {
    const attribute = detail?.match(/^(\w+) "/)?.[1] ?? (kind === 'group' ? 'displayName' : 'userName');
    return explained(
      `${who} sent ${noun} with a ${attribute} that is already used by another ${kind ?? 'resource'} of this application.`,
      `Two people in ${who} probably map to the same ${attribute}, or this ${kind ?? 'resource'} was created here before. Check the ${attribute} mapping in ${mapping}, and whether a duplicate account exists in ${who}.`,
    );
  }
  if (entry.status === 400 && detail !== undefined && UNKNOWN_SCHEMA.test(detail)) {
    const urn = detail.match(/"(urn:[^"]+)"/)?.[1]?.replaceAll('`', "'") ?? 'an extension';
    return explained(
      `${who} sent ${noun} marked with the schema \`${urn}\`, which this application does not define.`,
      `Remove the attributes of that schema from ${mapping}, or ask the vendor to add the schema.`,
    );
  }
  if (
    entry.status === 400 &&
    detail !== undefined &&
    (UNDEFINED_ATTRIBUTE.test(detail) || UNDECLARED_EXTENSION.test(detail))
  ) {
    const attribute = quoted(detail) ?? 'an attribute';
    return explained(
      `${who} sent the attribute \`${attribute}\`, which this application does not define.`,
      `Remove it from ${mapping} or ask the vendor to add it.`,
    );
  }
  if (entry.status === 400) {
    const attribute = detail === undefined ? undefined : quoted(detail);
    return explained(
      `${who} sent ${noun} that this application refused${attribute === undefined ? '' : ` because of \`${attribute}\``}: ${detail ?? 'the request was not valid.'}`,
      attribute === undefined
        ? `Check ${mapping}; if it looks right, send the vendor this message.`
        : `Check how \`${attribute}\` is mapped in ${mapping}: its value has the wrong form or is missing.`,
    );
  }
  if (entry.status === 404) {
    return explained(
      `${who} asked for ${noun} that does not exist in this application (it may have been deleted here).`,
      `${who} usually recovers by creating it again on its next cycle. If it repeats, remove the ${kind ?? 'resource'} from the application's assignments in ${who} and add it back.`,
    );
  }
  if (entry.status === 403) {
    return explained(
      `${who} tried to change ${noun}, but its token may only read.`,
      'Generate a token with write access below and paste it into the provisioning settings in place of the old one.',
    );
  }
  if (entry.status === 412) {
    return explained(
      `${who} changed ${noun} that had changed since it last read it.`,
      `Nothing to do: ${who} reads it again and retries.`,
    );
  }
  if (entry.status === 413) {
    return explained(
      `${who} sent more at once than this application accepts.`,
      `Nothing to do if it passes on retry; if it repeats, lower the batch size in ${who}'s provisioning settings or contact the vendor.`,
    );
  }
  if (entry.status === 429 || entry.status === 503) {
    return explained(
      `${who} sent requests while this application asked it to slow down or wait.`,
      `Nothing to do: ${who} retries. If it keeps happening, contact the vendor.`,
    );
  }
  return explained(
    `This application could not complete ${noun} from ${who} (status ${entry.status}).`,
    `${who} retries. If it keeps happening, send the vendor the time of this request.`,
  );
}
