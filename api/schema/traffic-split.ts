// SMI TrafficSplit, every published version, normalised to one shape. Weights are relative
// whole numbers; v1alpha1 writes them as Kubernetes quantities ("500m", "1"), kept exact.
import { z } from 'zod';
import { INT_OR_STRING, field, name, wholeNumber } from './fields.ts';
import { MAX_BACKENDS, MAX_MATCHES } from './limits.ts';
import { envelope } from './meta.ts';
import { parseQuantityMilli } from './quantity.ts';

export interface TrafficSplitSpec {
  readonly service: string;
  readonly backends: readonly { readonly service: string; readonly weight: number }[];
  /** HTTPRouteGroup names (same namespace); v1alpha3 and later. */
  readonly matches?: readonly string[];
}

const quantityWeight = field<number>(
  'a Kubernetes quantity ≥ 0 such as 1, 500m or 100',
  (v) => {
    if (typeof v !== 'string' && typeof v !== 'number') return { ok: false };
    const r = parseQuantityMilli(v);
    return r.ok ? { ok: true, value: r.value } : { ok: false, why: `the quantity ${r.error}` };
  },
  INT_OR_STRING,
);

const matchRef = z.strictObject({
  kind: z.literal('HTTPRouteGroup'),
  name: name(),
  apiGroup: z.string().optional(),
});

/** `matches` arrived in v1alpha3; in older versions it is refused with the way out. */
const noMatches = (version: string) =>
  z
    .unknown()
    .refine((v) => v === undefined, {
      error: `is not part of ${version}: use apiVersion split.smi-spec.io/v1alpha4 to split by route`,
    })
    .transform(() => undefined)
    .optional();

const spec = (
  weight: z.ZodType<number, unknown>,
  matches: z.ZodType<{ name: string }[] | undefined, unknown>,
) =>
  z.strictObject({
    service: name(),
    backends: z
      .array(z.strictObject({ service: name(), weight }))
      .min(1)
      .max(MAX_BACKENDS),
    matches,
  });

/** Quantities are milli-units; when every weight is whole, scale back so 90/10 stays 90/10. */
const fromMilli = <T extends { weight: number }>(backends: readonly T[]): T[] =>
  backends.every((b) => b.weight % 1000 === 0)
    ? backends.map((b) => ({ ...b, weight: b.weight / 1000 }))
    : [...backends];

const normalise = (s: {
  service: string;
  backends: { service: string; weight: number }[];
  matches?: { name: string }[] | undefined;
}): TrafficSplitSpec => ({
  service: s.service,
  backends: s.backends.map((b) => ({ service: b.service, weight: b.weight })),
  ...(s.matches && s.matches.length > 0 ? { matches: s.matches.map((m) => m.name) } : {}),
});

const v1alpha1 = envelope(['split.smi-spec.io/v1alpha1'], 'TrafficSplit', {
  spec: spec(quantityWeight, noMatches('v1alpha1')).transform((s) =>
    normalise({ ...s, backends: fromMilli(s.backends) }),
  ),
});
const later = (version: string, withMatches: boolean) =>
  envelope([`split.smi-spec.io/${version}`], 'TrafficSplit', {
    spec: spec(
      wholeNumber(0),
      withMatches ? z.array(matchRef).max(MAX_MATCHES).optional() : noMatches(version),
    ).transform(normalise),
  });

export const trafficSplitSchemas = {
  'split.smi-spec.io/v1alpha1': v1alpha1,
  'split.smi-spec.io/v1alpha2': later('v1alpha2', false),
  'split.smi-spec.io/v1alpha3': later('v1alpha3', true),
  'split.smi-spec.io/v1alpha4': later('v1alpha4', true),
} as const;
