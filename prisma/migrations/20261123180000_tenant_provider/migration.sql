-- The identity provider a tenant declares (docs/providers/README.md); NULL: recognised per request.
ALTER TABLE tenants ADD COLUMN provider text;
ALTER TABLE tenants ADD CONSTRAINT tenants_provider_check
    CHECK (provider IN ('okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'rippling', 'ping', 'generic'));
