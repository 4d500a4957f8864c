import { parseAttributeMapping, type CompiledAttributeMapping } from '../scim/mapping/attribute-mapping.js';
import { DEFAULT_ATTRIBUTE_MAPPING } from '../scim/mapping/default-mapping.js';
import type { JsonValue } from '../scim/resource/json.js';
import { ScimError } from '../scim/errors.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';

// The default mapping compiled once per registry: every tenant without extensions shares one.
const defaults = new WeakMap<SchemaRegistry, CompiledAttributeMapping>();

/**
 * A tenant's attribute mapping, compiled against its registry: the stored one, or the default
 * when it has none. A stored mapping was checked against the registry when it was set, and every
 * extension change checks it again (tenant-schemas.ts), so it compiles.
 */
export function compileTenantMapping(stored: JsonValue | null, registry: SchemaRegistry): CompiledAttributeMapping {
  if (stored !== null) return parseAttributeMapping(stored, registry);
  return defaultMapping(registry);
}

/**
 * For the tenant profile every SCIM request reads: a stored mapping that no longer compiles (a row
 * edited by hand, a change that slipped past the checks) must not fail every request of the
 * tenant. Its events then carry `"mapped": null` until the mapping is set again.
 */
export function compileTenantMappingOrNone(
  stored: JsonValue | null,
  registry: SchemaRegistry,
): CompiledAttributeMapping {
  try {
    return compileTenantMapping(stored, registry);
  } catch (error) {
    if (error instanceof ScimError) return { types: new Map() };
    throw error;
  }
}

function defaultMapping(registry: SchemaRegistry): CompiledAttributeMapping {
  let compiled = defaults.get(registry);
  if (compiled === undefined) {
    compiled = parseAttributeMapping(DEFAULT_ATTRIBUTE_MAPPING, registry);
    defaults.set(registry, compiled);
  }
  return compiled;
}
