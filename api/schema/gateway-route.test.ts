import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MAX_ROUTE_RULES } from './limits.ts';
import { parseResource } from './resources.ts';

const opts = { defaultNamespace: 'default' };
const route = (spec: unknown, kind = 'HTTPRoute') =>
  parseResource(
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind,
      metadata: { name: 'r', namespace: 'mesh', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec,
    },
    opts,
  );

describe('HTTPRoute / GRPCRoute schema', () => {
  it('keeps creationTimestamp (route precedence prefers older routes)', () => {
    const r = route({ parentRefs: [{ group: '', kind: 'Service', name: 'echo' }] });
    expect(r.ok && r.value?.meta.creationTimestamp).toBe('2024-01-01T00:00:00Z');
  });

  it('names every field with a bad value, at once', () => {
    const r = route({
      parentRefs: [{ name: 'echo', port: 0 }],
      rules: [{ backendRefs: [{ name: 'v1', weight: -1 }], timeouts: { request: '10' } }],
    });
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual([
      'HTTPRoute mesh/r: spec.parentRefs[0].port',
      'HTTPRoute mesh/r: spec.rules[0].backendRefs[0].weight',
      'HTTPRoute mesh/r: spec.rules[0].timeouts.request',
    ]);
  });

  it(`refuses more than ${MAX_ROUTE_RULES} rules`, () => {
    const r = route({ rules: Array.from({ length: MAX_ROUTE_RULES + 1 }, () => ({})) });
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual(['HTTPRoute mesh/r: spec.rules']);
  });

  it('accepts an unknown filter type and experimental fields (the compile step judges them)', () => {
    expect(route({ rules: [{ filters: [{ type: 'CORS', cors: {} }], sessionPersistence: {} }] }).ok).toBe(
      true,
    );
    expect(
      route({ rules: [{ matches: [{ method: { service: 'a.B', method: 'C' } }] }] }, 'GRPCRoute').ok,
    ).toBe(true);
  });

  const data = join(import.meta.dirname, '../../../shared/testdata/gateway-api/tests');
  it.skipIf(!existsSync(data))('parses every upstream conformance manifest without an issue', () => {
    for (const file of readdirSync(data)) {
      for (const doc of parseAllDocuments(readFileSync(join(data, file), 'utf8'))) {
        const r = parseResource(doc.toJS(), opts);
        expect(r.ok ? [] : r.error, file).toEqual([]);
      }
    }
  });
});
