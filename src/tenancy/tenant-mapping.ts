import { parseAttributeMapping, type CompiledAttributeMapping } from '../scim/mapping/attribute-mapping.js';
import { DEFAULT_ATTRIBUTE_MAPPING } from '../scim/mapping/default-mapping.js';
import type { JsonValue } from '../scim/resource/json.js';
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
  let compiled = defaults.get(registry);
  if (compiled === undefined) {
    compiled = parseAttributeMapping(DEFAULT_ATTRIBUTE_MAPPING, registry);
    defaults.set(registry, compiled);
  }
  return compiled;
}
