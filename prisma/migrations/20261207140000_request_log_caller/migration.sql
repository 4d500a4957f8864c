-- Who made a request, when the protocol says more than the tenant: an MCP tool call names its
-- caller (the SCIM token's id, or the local stdio host), as issue 15 asks.
ALTER TABLE scim_request_log ADD COLUMN caller text;
