/**
 * The provider rules: each tolerates one way an identity provider departs from RFC 7643/7644,
 * turning what it sent into what it meant before the strict protocol core sees it. Responses
 * stay strictly RFC 7644. docs/providers/README.md lists them for people.
 */
export interface CompatRule {
  readonly name: string;
  readonly providers: readonly string[];
  /** Where the provider documents (or is documented to have) the behaviour. */
  readonly reference: string;
  readonly summary: string;
}

const ENTRA_COMPLIANCE =
  'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility';
const OKTA_SCIM = 'https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20';

export const RULES = {
  patchOpCase: {
    name: 'patch-op-case',
    providers: ['entra'],
    reference: ENTRA_COMPLIANCE,
    summary: 'PATCH "op" in any letter case ("Replace", "Add", "Remove") means the lower-case operation.',
  },
  booleanStrings: {
    name: 'boolean-strings',
    providers: ['entra'],
    reference: ENTRA_COMPLIANCE,
    summary: '"True" or "False" (any case) where the schema says boolean means the boolean.',
  },
  pathlessDottedKeys: {
    name: 'pathless-dotted-keys',
    providers: ['entra'],
    reference: ENTRA_COMPLIANCE,
    summary:
      'A PATCH value without "path" whose keys are attribute paths ("name.givenName", "urn:…:User:manager") sets each path.',
  },
  managerAsString: {
    name: 'manager-as-string',
    providers: ['entra'],
    reference: ENTRA_COMPLIANCE,
    summary:
      'The enterprise "manager" given as a bare id means {"value": id}; replacing it with an empty value removes it.',
  },
  removeMembersByValue: {
    name: 'remove-members-by-value',
    providers: ['entra', 'okta'],
    reference: ENTRA_COMPLIANCE,
    summary: '"remove" of "members" with a "value" list and no filter removes the listed members only.',
  },
  createFilteredElement: {
    name: 'create-filtered-element',
    providers: ['entra', 'okta'],
    reference: OKTA_SCIM,
    summary:
      '"add"/"replace" on emails[type eq "work"].value when no work email exists creates it, instead of noTarget.',
  },
  pathlessOwnId: {
    name: 'pathless-own-id',
    providers: ['okta', 'jumpcloud'],
    // Okta's guide renames a group with {"op": "replace", "value": {"id": …, "displayName": …}}.
    reference: OKTA_SCIM,
    summary: 'A pathless PATCH value carrying the resource\'s own "id" beside the changes: the id changes nothing.',
  },
  filterValuePathSubAttribute: {
    name: 'filter-value-path-sub-attribute',
    providers: ['entra'],
    reference: ENTRA_COMPLIANCE,
    summary: 'The filter emails[type eq "work"].value eq "x" means emails[type eq "work" and value eq "x"].',
  },
} as const satisfies Record<string, CompatRule>;

export type RuleName = (typeof RULES)[keyof typeof RULES]['name'];
