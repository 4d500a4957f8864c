/**
 * Group members and User groups as SQL row sets, one row per element with the columns of the
 * multi-valued attribute (value, display, type, ref for $ref), correlated to the resource row
 * `r`. Filters on any of their sub-attributes run against these, as the representation the
 * service returns shows them (member-store.ts builds that representation the same way).
 */

/** The sub-attribute columns of an element row; `$ref` is `ref`. */
export const MEMBERSHIP_COLUMNS: Readonly<Record<string, string>> = {
  value: 'e.value',
  display: 'e.display',
  type: 'e.type',
  $ref: 'e.ref',
};

/**
 * A group's members: users show their displayName (else userName), groups their displayName.
 * `base` is the SQL of the tenant's SCIM base URL.
 */
export function groupMemberRows(base: string): string {
  return `(SELECT m.member_id::text AS value, m.member_type AS type,
            coalesce(u.document ->> 'displayName', u.user_name, g.display_name) AS display,
            ${base} || CASE m.member_type WHEN 'User' THEN '/Users/' ELSE '/Groups/' END || m.member_id::text AS ref
       FROM scim_group_members m
       LEFT JOIN scim_users u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
       LEFT JOIN scim_groups g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
      WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id)`;
}

/**
 * The groups the user `r` belongs to as one jsonb array (NULL for none) of {value, display, type},
 * ordered by display then id, directly or through nested groups (RFC 7643 §4.1.2). A tenant that
 * nests no group (no member row of type Group, found in a partial index) reads its direct
 * memberships in a plain subquery; one that does walks the nesting in scim_user_groups()
 * (migration 20261207100000_user_groups_function), a function so that the recursion's plan is
 * set up only when it runs. Every probe is by tenant_id and an index; the group's row is a
 * LATERAL probe (OFFSET 0) because a generic plan of a plain join hashed a sequential scan of the
 * tenant's memberships. Both branches read the statement's snapshot, so they agree with the row.
 */
function userGroupsJson(): string {
  return `CASE WHEN EXISTS (SELECT 1 FROM scim_group_members n WHERE n.tenant_id = r.tenant_id AND n.member_type = 'Group')
       THEN scim_user_groups(r.tenant_id, r.id)
       ELSE (SELECT jsonb_agg(jsonb_build_object('value', g.id, 'display', g.display_name, 'type', 'direct')
                              ORDER BY g.display_name, g.id)
               FROM scim_group_members m
              CROSS JOIN LATERAL (SELECT g.id, g.display_name FROM scim_groups g
                                   WHERE g.tenant_id = m.tenant_id AND g.id = m.group_id OFFSET 0) g
              WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id) END`;
}

/** The groups a user belongs to as element rows, for filters on User.groups. */
export function userGroupRows(base: string): string {
  return `(SELECT e.value, e.display, e.type, ${base} || '/Groups/' || e.value AS ref
         FROM jsonb_to_recordset(${userGroupsJson()}) AS e(value text, display text, type text))`;
}

/**
 * The groups column of a User read: a correlated subquery, so the statement that reads a user row
 * brings its groups along instead of a second round trip.
 */
export function userGroupsColumn(): string {
  return `(${userGroupsJson()}) AS groups`;
}
