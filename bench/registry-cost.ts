/**
 * What the per-tenant registry and attribute mapping cost a request (issue 12), timed in this
 * process on the same data shapes: the lookups every request makes, the mapping every change
 * event runs, the check of a stored resource for undeclared extensions every response makes, and
 * the rebuild a schema change costs each replica once. The load runs above show the whole; these
 * are too small for their noise, so they are timed here alone.
 */
import { mapResource } from '../src/scim/mapping/attribute-mapping.js';
import type { JsonObject } from '../src/scim/resource/json.js';
import { defaultRegistry } from '../src/scim/schema/built-in-types.js';
import { parseExtensionDefinition } from '../src/scim/schema/extension-definition.js';
import { typeHolding } from '../src/scim/schema/open-extensions.js';
import { compileTenantMapping } from '../src/tenancy/tenant-mapping.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';

/** Mean µs of `run` over `count` runs, after a warm-up. */
function micros(count: number, run: () => unknown): number {
  for (let i = 0; i < Math.min(count, 10_000); i += 1) run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) run();
  return Number(process.hrtime.bigint() - started) / count / 1000;
}

export function registryCost(): string {
  const extension = parseExtensionDefinition(
    CUSTOM,
    { resourceType: 'User', attributes: Array.from({ length: 20 }, (_, i) => ({ name: `attribute${i}` })) },
    ['User', 'Group'],
  );
  const registry = defaultRegistry.withExtensions([extension]);
  const mapping = compileTenantMapping(null, registry);
  const user: JsonObject = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE, CUSTOM],
    id: '2819c223-7f76-453a-919d-413861904646',
    userName: 'ada@example.com',
    externalId: '00u1ada',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    displayName: 'Ada Lovelace',
    active: true,
    emails: [
      { value: 'ada@home.example', type: 'home' },
      { value: 'ada@example.com', type: 'work', primary: true },
    ],
    [ENTERPRISE]: { department: 'Research', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
    [CUSTOM]: { attribute0: 'CC-1', attribute1: 'x' },
  };
  const lines = [
    `  type lookups a request makes (2):            ${micros(1_000_000, () => [registry.type('User'), registry.type('Group')]).toFixed(3)} µs`,
    `  undeclared-extension check of a response:    ${micros(200_000, () => typeHolding(registry.type('User'), user)).toFixed(3)} µs`,
    `  mapping of one change event (default):       ${micros(200_000, () => mapResource(mapping, 'User', user, { withoutMemberships: true })).toFixed(3)} µs`,
    `  a tenant's registry and mapping rebuilt, once a schema version per replica (20 attributes): ${micros(2_000, () => compileTenantMapping(null, defaultRegistry.withExtensions([extension]))).toFixed(1)} µs`,
  ];
  return ['\nwhat the per-tenant registry costs (in this process, mean µs):', ...lines].join('\n');
}
