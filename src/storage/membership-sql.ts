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
 * Each group the user `r` belongs to, once, directly or through nested groups (RFC 7643 §4.1.2):
 * id, display_name, and direct when any path is one membership long. UNION stops the recursion
 * on cycles. Every step is a LATERAL index probe (OFFSET 0 keeps the planner from flattening
 * it): the generic plan of a plain join here hashed a sequential scan of the tenant's
 * memberships on every read. A deleted group is gone with its rows (ON DELETE CASCADE), so no
 * path runs through it.
 */
function groupsOfUser(): string {
  return `WITH RECURSIVE up(group_id, direct) AS (
         SELECT m.group_id, true FROM scim_group_members m WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id
         UNION
         SELECT x.group_id, false FROM up
          CROSS JOIN LATERAL (SELECT m.group_id FROM scim_group_members m
                               WHERE m.tenant_id = r.tenant_id AND m.member_id = up.group_id OFFSET 0) x
       )
       SELECT g.id, g.display_name, bool_or(up.direct) AS direct
         FROM up
        CROSS JOIN LATERAL (SELECT g.id, g.display_name FROM scim_groups g
                             WHERE g.tenant_id = r.tenant_id AND g.id = up.group_id OFFSET 0) g
        GROUP BY g.id, g.display_name`;
}

const GROUP_TYPE = `CASE WHEN x.direct THEN 'direct' ELSE 'indirect' END`;

/** The groups a user belongs to as element rows, for filters on User.groups. */
export function userGroupRows(base: string): string {
  return `(SELECT x.id::text AS value, x.display_name AS display, ${GROUP_TYPE} AS type,
              ${base} || '/Groups/' || x.id::text AS ref
         FROM (${groupsOfUser()}) x)`;
}

/**
 * The groups a user belongs to as one jsonb array (NULL for none) of {value, display, type},
 * ordered by display then id: a correlated subquery, so the statement that reads a user row
 * brings its groups along instead of a second round trip. Every probe in it is by tenant_id and
 * an index (scim_group_members_tenant_id_member_id_idx, scim_groups_pkey).
 */
export function userGroupsColumn(): string {
  return `(SELECT jsonb_agg(jsonb_build_object('value', x.id, 'display', x.display_name, 'type', ${GROUP_TYPE})
                  ORDER BY x.display_name, x.id)
         FROM (${groupsOfUser()}) x) AS groups`;
}
