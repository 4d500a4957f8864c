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
const ENTRA_TUTORIAL =
  'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups';
const ONELOGIN_USER_SCHEMA = 'https://developers.onelogin.com/scim/define-user-schema';
const ENTRA_CUSTOM_ATTRIBUTES =
  'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes';

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
    // The tutorial's user example carries "manager": "123456".
    reference: ENTRA_TUTORIAL,
    summary:
      'The enterprise "manager" given as a bare id means {"value": id}; replacing it with an empty value removes it.',
  },
  removeMembersByValue: {
    name: 'remove-members-by-value',
    providers: ['entra'],
    // The tutorial's "Update Group [Remove Members]" request.
    reference: ENTRA_TUTORIAL,
    summary:
      '"remove" of "members" (or of an Agent\'s "owners", an AgenticApplication\'s "agents") with a "value" list and no filter removes the listed values only.',
  },
  createFilteredElement: {
    name: 'create-filtered-element',
    providers: ['entra'],
    // Entra ID sends {"op": "Add", "path": "emails[type eq \"work\"].value", "value": …} whether
    // or not the user has a work email (a capture of its requests on Microsoft Q&A).
    reference:
      'https://learn.microsoft.com/en-us/answers/questions/708183/scim-patch-of-complex-multi-valued-attribute-inclu',
    summary:
      '"add"/"replace" on emails[type eq "work"].value when no work email exists creates it, instead of noTarget.',
  },
  pathlessOwnId: {
    name: 'pathless-own-id',
    providers: ['okta'],
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
  legacySchemaUrns: {
    name: 'legacy-schema-urns',
    providers: ['google', 'onelogin'],
    // OneLogin's SCIM templates name the SCIM 1.1 schemas (and connectors built on them send
    // "urn:scim:schemas:core:2.0"); Google Workspace sends "urn:scim:schemas:core:1.0" beside
    // the RFC one (its body is quoted in github.com/grokability/snipe-it/issues/12642).
    reference: ONELOGIN_USER_SCHEMA,
    summary:
      'The pre-RFC schema URNs "urn:scim:schemas:core:1.0|2.0" and "urn:scim:schemas:extension:enterprise:1.0|2.0", in "schemas", as attribute keys and in PATCH paths, mean the RFC 7643 ones.',
  },
  unknownSchemaWithoutAttributes: {
    name: 'unknown-schema-without-attributes',
    providers: ['entra'],
    // The tutorial's "Create Group" request lists
    // "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group" in "schemas".
    reference: ENTRA_TUTORIAL,
    summary:
      'A "schemas" entry this resource type does not have, under which the body sends no attribute, is left out (nothing it would hold is lost).',
  },
  extensionNotInSchemas: {
    name: 'extension-not-in-schemas',
    providers: ['entra'],
    // "The custom extension schema header is omitted in the example because it isn't sent in
    // requests from the Microsoft Entra SCIM client." (section "Provisioning a custom extension
    // attribute to a SCIM compliant application").
    reference: ENTRA_CUSTOM_ATTRIBUTES,
    summary:
      'An extension object of the resource type sent without its URN in "schemas" is read as if "schemas" listed it (RFC 7643 §3 wants it listed).',
  },
} as const satisfies Record<string, CompatRule>;

export type RuleName = (typeof RULES)[keyof typeof RULES]['name'];
