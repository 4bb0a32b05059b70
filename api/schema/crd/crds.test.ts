// crds/ must be exactly what the generator makes from the zod schemas today.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CRD_DIR } from './main.ts';
import { CRDS } from './definitions.ts';
import { renderCrdFiles } from './render.ts';

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
});
