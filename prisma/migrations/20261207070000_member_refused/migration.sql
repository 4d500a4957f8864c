-- A membership PATCH that only adds members runs as one statement (member-store.ts), which must
-- fail whole when a member it names is not a User or Group of the tenant, or not of the type the
-- request says. This raises that failure from inside the statement; the service answers it 400
-- invalidValue (RFC 7644 §3.12), naming the member.
CREATE FUNCTION scim_member_refused(member uuid, kind text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', member USING ERRCODE = 'SC002', DETAIL = coalesce(kind, '');
END
$$;
