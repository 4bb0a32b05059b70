// docs/security.md explains every RBAC rule the control plane is granted: each resource of each
// rule in cli/install/rbac.ts must have a table row that lists it with all of the rule's verbs.
// A new permission cannot land without its reason being written down.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLUSTER_RULES, namespaceRules } from '../../cli/install/rbac.ts';

const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
const rows = doc.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));

interface Rule {
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}
const rules = [
  ...CLUSTER_RULES,
  ...namespaceRules({
    namespace: 'weft-system',
    serviceAccount: 'sa',
    leaseName: 'lease',
    caSecretName: 'ca',
  }),
] as unknown as readonly Rule[];
const cases = rules.flatMap((r) => r.resources.map((resource) => ({ resource, verbs: r.verbs })));

describe('docs/security.md explains every RBAC rule', () => {
  it.each(cases)('$resource: $verbs', ({ resource, verbs }) => {
    const explained = rows.some((row) => {
      const cells = row.split('|').map((c) => c.trim());
      const listed = (cells[2] ?? '').split(/[,\s()`]+/).includes(resource);
      return listed && verbs.every((v) => cells.slice(3).some((c) => c.split(/[,\s]+/).includes(v)));
    });
    expect(explained, `add a row for ${resource} (${verbs.join(', ')}) to docs/security.md`).toBe(true);
  });
});
