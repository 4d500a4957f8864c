-- Every read of a User returns its groups, direct and through nested groups (RFC 7643 §4.1.2).
-- Most tenants never nest a group: their readers take the direct memberships in a plain
-- subquery (membership-sql.ts), and only a tenant with a group inside a group walks the nesting,
-- in this function. It is a function, not a subquery beside the plain one, because PostgreSQL
-- sets up every subplan of a statement when the statement starts, whichever branch runs: the
-- recursive one doubled the executor work of every User read (bench/README.md).
--
-- STABLE: it reads with the calling statement's snapshot, so the groups agree with the row.
-- UNION stops the recursion on cycles. Every step is a LATERAL index probe (OFFSET 0 keeps the
-- planner from flattening it): a generic plan of a plain join hashed a sequential scan of the
-- tenant's memberships. A deleted group is gone with its rows (ON DELETE CASCADE), so no path
-- runs through it. Ordered by display then id; NULL when the user is in no group.
CREATE FUNCTION scim_user_groups(p_tenant text, p_user uuid) RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (
    SELECT jsonb_agg(jsonb_build_object('value', x.id, 'display', x.display_name,
                                        'type', CASE WHEN x.direct THEN 'direct' ELSE 'indirect' END)
                     ORDER BY x.display_name, x.id)
      FROM (WITH RECURSIVE up(group_id, direct) AS (
              SELECT m.group_id, true FROM scim_group_members m
               WHERE m.tenant_id = p_tenant AND m.member_id = p_user
              UNION
              SELECT x.group_id, false FROM up
               CROSS JOIN LATERAL (SELECT m.group_id FROM scim_group_members m
                                    WHERE m.tenant_id = p_tenant AND m.member_id = up.group_id OFFSET 0) x
            )
            SELECT g.id, g.display_name, bool_or(up.direct) AS direct
              FROM up
             CROSS JOIN LATERAL (SELECT g.id, g.display_name FROM scim_groups g
                                  WHERE g.tenant_id = p_tenant AND g.id = up.group_id OFFSET 0) g
             GROUP BY g.id, g.display_name) x);
END
$$;

-- Whether a tenant nests groups at all: an index of the rare rows that say so, probed once a read.
CREATE INDEX scim_group_members_nested_idx ON scim_group_members (tenant_id) WHERE member_type = 'Group';
