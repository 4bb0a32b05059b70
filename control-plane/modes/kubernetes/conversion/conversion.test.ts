// The CRD conversions both ways: every version pair round-trips to the exact original object,
// converted objects parse with api/schema to the same normalised spec, and the review protocol.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResource } from '../../../../api/schema/resources.ts';
import type { Obj } from './annotations.ts';
import { convertHttpRouteGroup } from './http-route-group.ts';
import { reviewConversion } from './review.ts';
import { convertTrafficSplit, WEIGHTS_ANNOTATION } from './traffic-split.ts';

const SPLIT_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4'].map((v) => `split.smi-spec.io/${v}`);
const HRG_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4'].map((v) => `specs.smi-spec.io/${v}`);

const split = (apiVersion: string, weights: readonly unknown[], extra: Obj = {}): Obj => ({
  apiVersion,
  kind: 'TrafficSplit',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    service: 'web',
    backends: weights.map((weight, i) => ({ service: `web-v${i + 1}`, weight })),
    ...extra,
  },
});

const specOf = (o: Obj): unknown => {
  const r = parseResource(o, { defaultNamespace: 'default' });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return (r.value as { spec: unknown }).spec;
};

const must = (r: { ok: boolean; value?: Obj; error?: string }): Obj => {
  if (!r.ok) throw new Error(r.error);
  return r.value as Obj;
};

describe('TrafficSplit conversion', () => {
  it.each([
    ['v1alpha1 quantities → v1alpha4 integers in the same ratio', ['500m', '1'], [500, 1000]],
    ['whole quantities stay small', ['90', 10], [90, 10]],
    ['suffixes', ['1k', '1'], [1000, 1]],
  ])('%s', (_t, quantities, ints) => {
    const up = must(convertTrafficSplit(split(SPLIT_VERSIONS[0]!, quantities), SPLIT_VERSIONS[3]!));
    expect((up.spec as { backends: { weight: unknown }[] }).backends.map((b) => b.weight)).toEqual(ints);
    expect(up.apiVersion).toBe('split.smi-spec.io/v1alpha4');
    expect(specOf(up)).toEqual(specOf(split(SPLIT_VERSIONS[0]!, quantities)));
  });

  it('v1alpha4 → v1alpha1 writes quantities; matches survive a trip through v1alpha2', () => {
    const v4 = split(SPLIT_VERSIONS[3]!, [90, 10], { matches: [{ kind: 'HTTPRouteGroup', name: 'api' }] });
    const v1 = must(convertTrafficSplit(v4, SPLIT_VERSIONS[0]!));
    expect(
      (v1.spec as { backends: { weight: unknown }[]; matches?: unknown }).backends.map((b) => b.weight),
    ).toEqual(['90', '10']);
    expect((v1.spec as { matches?: unknown }).matches).toBeUndefined();
    expect(must(convertTrafficSplit(v1, SPLIT_VERSIONS[3]!))).toEqual(v4);
  });

  it('weights edited in a newer version win over the parked quantities', () => {
    const v4 = must(convertTrafficSplit(split(SPLIT_VERSIONS[0]!, ['500m', '500m']), SPLIT_VERSIONS[3]!));
    const edited = {
      ...v4,
      spec: {
        ...(v4.spec as Obj),
        backends: [
          { service: 'web-v1', weight: 3 },
          { service: 'web-v2', weight: 1 },
        ],
      },
    };
    const v1 = must(convertTrafficSplit(edited, SPLIT_VERSIONS[0]!));
    expect((v1.spec as { backends: { weight: unknown }[] }).backends.map((b) => b.weight)).toEqual([
      '3',
      '1',
    ]);
    expect(
      (v1.metadata as { annotations?: Record<string, string> }).annotations?.[WEIGHTS_ANNOTATION],
    ).toBeUndefined();
  });

  it('refuses a weight that is not a quantity, and unknown versions', () => {
    expect(convertTrafficSplit(split(SPLIT_VERSIONS[0]!, ['lots']), SPLIT_VERSIONS[3]!).ok).toBe(false);
    expect(convertTrafficSplit(split('split.smi-spec.io/v2', [1]), SPLIT_VERSIONS[3]!).ok).toBe(false);
  });

  const quantity = fc.oneof(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 10_000 }).map(String),
    fc.integer({ min: 0, max: 10_000 }).map((n) => `${n}m`),
    fc.integer({ min: 0, max: 9 }).map((n) => `${n}k`),
  );
  const weights = (v: string) =>
    v.endsWith('v1alpha1')
      ? fc.array(quantity, { minLength: 1, maxLength: 4 })
      : fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 });

  it('round-trips every version pair to the exact original (property)', () => {
    for (const a of SPLIT_VERSIONS)
      for (const b of SPLIT_VERSIONS)
        fc.assert(
          fc.property(weights(a), fc.boolean(), (ws, withMatches) => {
            const matches =
              withMatches && /v1alpha[34]$/.test(a)
                ? { matches: [{ kind: 'HTTPRouteGroup', name: 'r' }] }
                : {};
            const original = split(a, ws, matches);
            const there = must(convertTrafficSplit(original, b));
            expect(must(convertTrafficSplit(there, a))).toEqual(original);
          }),
          { seed: 42, numRuns: 50 },
        );
  });
});

const hrg = (apiVersion: string, headers: unknown): Obj => {
  const matches = [
    { name: 'api', pathRegex: '/api/.*', methods: ['GET'], ...(headers === undefined ? {} : { headers }) },
  ];
  const old = /v1alpha[12]$/.test(apiVersion);
  return {
    apiVersion,
    kind: 'HTTPRouteGroup',
    metadata: { name: 'routes', namespace: 'shop' },
    ...(old ? { matches } : { spec: { matches } }),
  };
};

describe('HTTPRouteGroup conversion', () => {
  it('moves top-level matches into spec and header lists into a map', () => {
    const v4 = must(
      convertHttpRouteGroup(hrg(HRG_VERSIONS[0]!, [{ 'x-user': 'a.*' }, { 'x-b': 'b' }]), HRG_VERSIONS[3]!),
    );
    expect(v4).toEqual(hrg(HRG_VERSIONS[3]!, { 'x-user': 'a.*', 'x-b': 'b' }));
    expect(specOf(v4)).toEqual(specOf(hrg(HRG_VERSIONS[0]!, [{ 'x-user': 'a.*' }, { 'x-b': 'b' }])));
  });

  it.each([
    ['one-entry header list', [{ a: '1' }, { b: '2' }]],
    ['header map in an old version', { a: '1', b: '2' }],
    ['several headers in one list item', [{ a: '1', b: '2' }]],
    ['no headers', undefined],
  ])('round-trips every version pair: %s', (_t, headers) => {
    for (const a of HRG_VERSIONS)
      for (const b of HRG_VERSIONS) {
        const original = hrg(a, headers);
        expect(
          must(convertHttpRouteGroup(must(convertHttpRouteGroup(original, b)), a)),
          `${a} → ${b} → ${a}`,
        ).toEqual(original);
      }
  });
});

describe('ConversionReview', () => {
  it('converts every object and echoes the uid', () => {
    const out = reviewConversion({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: {
        uid: 'u-1',
        desiredAPIVersion: SPLIT_VERSIONS[3],
        objects: [split(SPLIT_VERSIONS[0]!, ['1', '3']), split(SPLIT_VERSIONS[3]!, [1])],
      },
    }) as { response: { uid: string; result: { status: string }; convertedObjects: Obj[] } };
    expect(out.response.uid).toBe('u-1');
    expect(out.response.result.status).toBe('Success');
    expect(out.response.convertedObjects.map((o) => o.apiVersion)).toEqual([
      SPLIT_VERSIONS[3],
      SPLIT_VERSIONS[3],
    ]);
  });

  it('fails the whole review with the object and the reason', () => {
    const out = reviewConversion({
      request: {
        uid: 'u-2',
        desiredAPIVersion: SPLIT_VERSIONS[3],
        objects: [split(SPLIT_VERSIONS[0]!, ['x'])],
      },
    }) as { response: { result: { status: string; message: string }; convertedObjects: Obj[] } };
    expect(out.response.result).toMatchObject({ status: 'Failure' });
    expect(out.response.result.message).toContain('TrafficSplit shop/web');
    expect(out.response.convertedObjects).toEqual([]);
  });
});
