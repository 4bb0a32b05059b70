// Pure conversion of SMI TrafficSplit between v1alpha1–v1alpha4, for the CRD's conversion webhook.
// v1alpha1 weights are quantities ("500m"), later ones integers; v1alpha3 added spec.matches.
// What an older version cannot hold is kept in an annotation, so every round trip is lossless
// (the API server converts back and forth and must get the object it stored).
import { err, ok, type Result } from '../../../../api/model/result.ts';
import { parseQuantityMilli } from '../../../../api/schema/quantity.ts';
import { withAnnotation, takeAnnotation, versionOf, type Obj } from './annotations.ts';

const GROUP = 'split.smi-spec.io';
const VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4'] as const;
export const WEIGHTS_ANNOTATION = 'conversion.weft.io/v1alpha1-weights';
export const MATCHES_ANNOTATION = 'conversion.weft.io/trafficsplit-matches';

interface Backend {
  service?: unknown;
  weight?: unknown;
  [k: string]: unknown;
}
interface Spec {
  backends?: Backend[];
  matches?: unknown[];
  [k: string]: unknown;
}

const specOf = (o: Obj): Spec => ({ ...((o.spec ?? {}) as Spec) });
const rank = (v: string): number => VERSIONS.indexOf(v as (typeof VERSIONS)[number]);

/** v1alpha1 quantities → integer weights in the same ratio (milli-units unless all are whole). */
const integerWeights = (quantities: readonly unknown[]): Result<number[], string> => {
  const milli: number[] = [];
  for (const q of quantities) {
    const r = typeof q === 'string' || typeof q === 'number' ? parseQuantityMilli(q) : undefined;
    if (!r?.ok) return err(`weight ${JSON.stringify(q)} ${r ? r.error : 'is not a quantity'}`);
    milli.push(r.value);
  }
  return ok(milli.every((m) => m % 1000 === 0) ? milli.map((m) => m / 1000) : milli);
};

const up1to2 = (o: Obj): Result<Obj, string> => {
  const spec = specOf(o);
  const backends = spec.backends ?? [];
  const ints = integerWeights(backends.map((b) => b.weight));
  if (!ints.ok) return ints;
  const converted = { ...spec, backends: backends.map((b, i) => ({ ...b, weight: ints.value[i] })) };
  // Park the quantities only when converting back would not write them as they were.
  const canonical = backends.every((b, i) => b.weight === String(ints.value[i]));
  if (canonical) return ok({ ...o, spec: converted });
  const original = JSON.stringify(backends.map((b) => b.weight));
  return ok({ ...withAnnotation(o, WEIGHTS_ANNOTATION, original), spec: converted });
};

const down2to1 = (o: Obj): Result<Obj, string> => {
  const [rest, saved] = takeAnnotation(o, WEIGHTS_ANNOTATION);
  const spec = specOf(o);
  const backends = spec.backends ?? [];
  let quantities: unknown[] = backends.map((b) => String(b.weight));
  // The saved quantities are only valid while the weights still are what they converted to.
  const parsed = saved === undefined ? undefined : (JSON.parse(saved) as unknown[]);
  if (parsed && parsed.length === backends.length) {
    const ints = integerWeights(parsed);
    if (ints.ok && ints.value.every((w, i) => w === backends[i]?.weight)) quantities = parsed;
  }
  return ok({
    ...rest,
    spec: { ...spec, backends: backends.map((b, i) => ({ ...b, weight: quantities[i] })) },
  });
};

const up2to3 = (o: Obj): Result<Obj, string> => {
  const [rest, saved] = takeAnnotation(o, MATCHES_ANNOTATION);
  const spec = specOf(o);
  return ok(
    saved === undefined ? rest : { ...rest, spec: { ...spec, matches: JSON.parse(saved) as unknown[] } },
  );
};

const down3to2 = (o: Obj): Result<Obj, string> => {
  const { matches, ...spec } = specOf(o);
  if (matches === undefined) return ok(o);
  return ok({ ...withAnnotation(o, MATCHES_ANNOTATION, JSON.stringify(matches)), spec });
};

/** Step functions between neighbours: STEPS_UP[i] goes from VERSIONS[i] to VERSIONS[i + 1]. */
const STEPS_UP = [up1to2, up2to3, ok<Obj>];
const STEPS_DOWN = [down2to1, down3to2, ok<Obj>];

export const convertTrafficSplit = (o: Obj, desiredApiVersion: string): Result<Obj, string> => {
  const from = rank(versionOf(o, GROUP) ?? '');
  const to = rank(versionOf({ apiVersion: desiredApiVersion }, GROUP) ?? '');
  if (from < 0 || to < 0) return err(`cannot convert ${String(o.apiVersion)} to ${desiredApiVersion}`);
  let cur: Result<Obj, string> = ok(o);
  for (let v = from; v < to && cur.ok; v++) cur = (STEPS_UP[v] as (x: Obj) => Result<Obj, string>)(cur.value);
  for (let v = from; v > to && cur.ok; v--)
    cur = (STEPS_DOWN[v - 1] as (x: Obj) => Result<Obj, string>)(cur.value);
  return cur.ok ? ok({ ...cur.value, apiVersion: desiredApiVersion }) : cur;
};
