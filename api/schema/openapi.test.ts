import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CRD_FILE, renderCrds, weftCrds } from './crd.ts';

describe('generated CRDs', () => {
  it('crds/policy.weft.io.yaml is up to date (run: node api/schema/crd.ts --write)', async () => {
    expect(await readFile(CRD_FILE, 'utf8')).toBe(renderCrds());
  });

  it('are structural schemas Kubernetes accepts: every node typed or explicitly free-form, no JSON-Schema-only keywords', () => {
    const check = (node: Record<string, unknown>, path: string): void => {
      for (const banned of ['$schema', 'const', 'propertyNames', 'anyOf', 'oneOf', 'allOf'])
        expect(node, `${path} has ${banned}`).not.toHaveProperty(banned);
      const typed =
        'type' in node ||
        'x-kubernetes-preserve-unknown-fields' in node ||
        'x-kubernetes-int-or-string' in node;
      expect(typed, `${path} has no type`).toBe(true);
      expect(node.additionalProperties === false, `${path} forbids additionalProperties`).toBe(false);
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>))
        check(v, `${path}.${k}`);
      if (typeof node.items === 'object') check(node.items as Record<string, unknown>, `${path}[]`);
      if (typeof node.additionalProperties === 'object')
        check(node.additionalProperties as Record<string, unknown>, `${path}{}`);
    };
    for (const c of weftCrds())
      check(
        (c.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] }).versions[0]!
          .schema.openAPIV3Schema,
        String(c.kind),
      );
  });

  it('describe the fields the validator knows, with their constraints', () => {
    const [policy] = weftCrds();
    const spec = (
      policy as {
        spec: {
          versions: {
            schema: {
              openAPIV3Schema: {
                properties: { spec: { properties: Record<string, { properties: Record<string, unknown> }> } };
              };
            };
          }[];
        };
      }
    ).spec.versions[0]!.schema.openAPIV3Schema.properties.spec;
    expect(spec.properties.timeout).toEqual({ type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' });
    expect(spec.properties.retries?.properties.attempts).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 10,
    });
    expect(spec.properties.targetRef?.properties.kind).toEqual({ type: 'string', enum: ['Service'] });
  });
});
