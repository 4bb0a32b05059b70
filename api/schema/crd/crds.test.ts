// crds/ must be exactly what the generator makes from the zod schemas today.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CRD_DIR } from './main.ts';
import { CRDS } from './definitions.ts';
import { GATEWAY_API_CRDS } from './gateway-api.ts';
import { crdObject, renderCrdFiles } from './render.ts';

describe('crds/', () => {
  it('is up to date with api/schema (regenerate with: npm run gen:crds)', async () => {
    const want = renderCrdFiles();
    const have = (await readdir(CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
    expect(have).toEqual(Object.keys(want).sort());
    for (const [name, text] of Object.entries(want))
      expect(await readFile(`${CRD_DIR}${name}`, 'utf8'), name).toBe(text);
  });

  it('stores one served version per kind and converts where versions differ in shape', () => {
    for (const d of CRDS) {
      expect(d.versions.map((v) => v.name)).toContain(d.storageVersion);
      if (
        d.versions.length > 1 &&
        JSON.stringify(d.versions[0]?.schema) !== JSON.stringify(d.versions.at(-1)?.schema)
      )
        expect(d.conversionWebhook, d.kind).toBe(true);
    }
    expect(CRDS.find((d) => d.kind === 'TrafficSplit')?.versions.map((v) => v.name)).toEqual([
      'v1alpha1',
      'v1alpha2',
      'v1alpha3',
      'v1alpha4',
    ]);
  });

  // What the real API server refused or kept changing (test/kube-real/gateway-api.test.ts).
  it('names the API approval of *.k8s.io groups and leaves out lists the server would drop', () => {
    for (const d of [...CRDS, ...GATEWAY_API_CRDS]) {
      const o = crdObject(d) as {
        metadata: { annotations: Record<string, string> };
        spec: { names: Record<string, unknown> };
      };
      if (d.group.endsWith('.k8s.io'))
        expect(o.metadata.annotations['api-approved.kubernetes.io'], d.kind).toMatch(/^https:/);
      for (const [k, v] of Object.entries(o.spec.names))
        if (Array.isArray(v)) expect(v.length, `${d.kind} names.${k}`).toBeGreaterThan(0);
    }
  });
});
