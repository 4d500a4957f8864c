import type { AttributeMapping } from './attribute-mapping.js';

const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * The mapping a tenant has until its operator sets one: the flat user and group a SaaS engineer
 * expects from a directory-sync product, whatever the identity provider sends.
 *
 * "email" falls back because providers differ in what they mark: Okta and Entra send one email
 * with primary true, others send several without any primary (RFC 7643 §4.1.2 makes "primary"
 * optional). So: the primary email, else the first work email, else the first email that has a
 * value at all (`value pr`, not `emails.value`, which would be the array of every address).
 */
export const DEFAULT_ATTRIBUTE_MAPPING: AttributeMapping = {
  User: {
    id: 'id',
    externalId: 'externalId',
    userName: 'userName',
    email: ['emails[primary eq true].value', 'emails[type eq "work"].value', 'emails[value pr].value'],
    firstName: 'name.givenName',
    lastName: 'name.familyName',
    displayName: 'displayName',
    active: 'active',
    department: `${ENTERPRISE_USER}:department`,
    manager: `${ENTERPRISE_USER}:manager.value`,
    groups: 'groups',
  },
  Group: {
    id: 'id',
    externalId: 'externalId',
    displayName: 'displayName',
    members: 'members',
  },
};
