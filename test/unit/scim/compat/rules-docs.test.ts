import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../../src/scim/compat/rules.js';

// docs/providers/README.md lists every rule for the people who read it: the catalogue and the
// table must not drift apart.

const README = readFileSync(join(import.meta.dirname, '../../../../docs/providers/README.md'), 'utf8');
const NAMES: Readonly<Record<string, string>> = {
  okta: 'Okta',
  entra: 'Entra ID',
  google: 'Google Workspace',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  rippling: 'Rippling',
  ping: 'Ping',
};

const rows = new Map(
  README.split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split(' | ').map((c) => c.trim());
      return [cells[0]?.replace(/^\| `|`$/g, '') ?? '', cells[3] ?? ''] as const;
    }),
);

describe('the rules table of docs/providers/README.md', () => {
  it('has one row per rule of the catalogue, naming the rule’s providers, and no other', () => {
    for (const rule of Object.values(RULES)) {
      expect(rows.has(rule.name), rule.name).toBe(true);
      expect(rows.get(rule.name)?.split(', ').sort(), rule.name).toEqual(rule.providers.map((p) => NAMES[p]).sort());
    }
    expect([...rows.keys()].sort()).toEqual(
      Object.values(RULES)
        .map((r) => r.name)
        .sort(),
    );
  });
});
