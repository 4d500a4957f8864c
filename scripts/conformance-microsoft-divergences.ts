/**
 * Assertions of Microsoft's SCIM reference collection that fail against this service because
 * the collection expects what RFC 7644 does not ask for, or what it refuses: "<request name> /
 * <assertion>" → why. docs/providers/entra.md explains each for people.
 */
const LOWER_CASE_ENDPOINT =
  'The collection asks for /users; RFC 7644 §3.2 names the endpoint /Users, and Entra ID sends /Users. ' +
  'Answered 404 with a SCIM error naming the path.';
const SERVICE_CONFIGURATION =
  'The collection reads /serviceConfiguration, a path of its own reference server; RFC 7644 §4 names ' +
  '/ServiceProviderConfig, which this service serves (and which "Endpoint tests" cannot find under that name).';
const FILTER_IN_ATTRIBUTES =
  'The collection puts a value filter in "attributes"; RFC 7644 §3.9 and §3.10 take attribute names only ' +
  '(filters go in "filter"). Answered 400 invalidValue naming the parameter.';
const PATCH_204 =
  'The collection expects 204 from PATCH; RFC 7644 §3.5.2 lets the server answer 200 with the resource ' +
  '(this service does, so a client sees the result without another GET).';
const UNQUOTED_FILTER_VALUE =
  'The filter compares with an unquoted value (Employee, O, a bare timestamp); RFC 7644 §3.4.2.2 ' +
  'takes only JSON values (a string is quoted). Answered 400 invalidFilter; Entra ID quotes its values.';
const MEMBER_DISPLAY_NAME =
  'The collection adds the member as {"displayName": "new User", "value": …}; "displayName" is no ' +
  'sub-attribute of members (RFC 7643 §4.2, §2.4 name "display"), so the PATCH was refused with 400 ' +
  'invalidValue and the member never added. Entra ID sends members as {"value": id}.';
const UNKNOWN_ATTRIBUTE =
  'The PUT carries "adreses", no attribute of User (RFC 7643 §4.1), and the collection expects it dropped. ' +
  'RFC 7644 does not oblige a server to accept attributes outside its schema; this one answers 400 ' +
  'invalidValue naming the attribute, so that a mistyped mapping shows at its first request instead of ' +
  'losing data without a word.';
const MEMBER_AS_STRING =
  'The collection adds "string id 1" as a member: not an object with a "value" (RFC 7643 §4.2), and not the ' +
  'id of any resource. Answered 400 invalidValue; a member must name an existing user or group.';

/** The folders ../shared/conformance/microsoft/run.sh runs (its "Get Token" folder needs Microsoft's server). */
export const RUN_FOLDERS = [
  'Endpoint tests',
  'User tests',
  'Group tests',
  'ComplexAttribute tests',
  'User tests with garbage',
  'Group tests with garbage',
  'Teardown garbage',
] as const;

export const KNOWN_DIVERGENCES: Readonly<Record<string, string>> = {
  'Get empty Users / Status code is 200': LOWER_CASE_ENDPOINT,
  'Get ServiceProviderConfig / Status code is 200': SERVICE_CONFIGURATION,
  'Get ServiceProviderConfig / Pach supported is true': SERVICE_CONFIGURATION,
  'Get group by id / Body contians user': MEMBER_DISPLAY_NAME,
  'Get user attributes / Status code is 200': FILTER_IN_ATTRIBUTES,
  'Get user attributes / Body contians User1 email': FILTER_IN_ATTRIBUTES,
  'Get user via attributes filter / Status code is 200': FILTER_IN_ATTRIBUTES,
  'Put a user misspelled attribute / Status code is 200': UNKNOWN_ATTRIBUTE,
  'Patch user omalley new username / Status code is 204': PATCH_204,
  'patch user omalley active with boolean / Status code is 204': PATCH_204,
  'filter eq and (val or val) / Total results': UNQUOTED_FILTER_VALUE,
  'filter starts with / Total results': UNQUOTED_FILTER_VALUE,
  'filter greater than / Total results': UNQUOTED_FILTER_VALUE,
  'Group patch add member / Status code is 204': MEMBER_AS_STRING,
  'Group patch add member2 / Status code is 204': MEMBER_AS_STRING,
};
