// weft's Canary (policy.weft.io/v1alpha1): moves a Service's traffic from a stable to a canary
// backend in steps, judged by the mesh's own request metrics, through the resource that shapes
// that traffic (spec.trafficRef). Cross-object rules (the split exists, one Canary per Service)
// are checked by the control plane's canary controller.
import { z } from 'zod';
import { decimal, duration, name, oneOf, percent, wholeNumber } from './fields.ts';
import { envelope } from './meta.ts';
import { targetRefSchema } from './traffic-policy.ts';

/** At most this many steps: each one is at least one analysis interval long. */
export const MAX_CANARY_STEPS = 50;
/** Kinds a Canary can move weights through; HTTPRoute joins once Gateway API routes are parsed. */
export const CANARY_TRAFFIC_KINDS = ['TrafficSplit'] as const;

const step = z
  .strictObject({
    weight: wholeNumber(0, 100).optional(),
    pause: duration().optional(),
    gate: oneOf(['manual']).optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.weight === undefined) === (s.gate === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'set exactly one of weight (0–100, the canary’s percent) or gate: manual',
        input: s,
      });
  });

const p99Ceiling = z
  .strictObject({
    max: duration().optional(),
    stableRatio: decimal(1, 1000).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.max === undefined) === (c.stableRatio === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'set exactly one of max (a duration) or stableRatio (canary p99 ÷ stable p99)',
        input: c,
      });
  });

const analysis = z.strictObject({
  interval: duration(100),
  minRequests: wholeNumber(1).optional(),
  successRateFloor: percent().optional(),
  p99Ceiling: p99Ceiling.optional(),
  failedIntervals: wholeNumber(1, 100).optional(),
});

const backendWeight = z.strictObject({ service: name(), weight: wholeNumber(0, 100) });

type Spec = {
  stableBackend: string;
  canaryBackend: string;
  steps: { weight?: number | undefined }[];
  promote?: { weights: { service: string; weight: number }[] } | undefined;
};

/** Rules inside one Canary: distinct backends, rising weights, a final state that adds up to 100. */
const checkSpec = (s: Spec, ctx: z.core.$RefinementCtx<Spec>): void => {
  const issue = (path: (string | number)[], message: string): void =>
    ctx.addIssue({ code: 'custom', path, message, input: s });
  if (s.stableBackend === s.canaryBackend)
    issue(['canaryBackend'], 'must differ from stableBackend: the canary needs a backend of its own');
  let last = -1;
  s.steps.forEach((st, i) => {
    if (st.weight === undefined) return;
    if (st.weight <= last)
      issue(['steps', i, 'weight'], `must be above the previous step’s ${last}: weights only rise`);
    last = st.weight;
  });
  const weights = s.promote?.weights;
  if (!weights) return;
  const sum = weights.reduce((a, w) => a + w.weight, 0);
  if (sum !== 100)
    issue(
      ['promote', 'weights'],
      `must add up to 100 (percent of the Service’s traffic); they add up to ${sum}`,
    );
  weights.forEach((w, i) => {
    if (w.service !== s.stableBackend && w.service !== s.canaryBackend)
      issue(['promote', 'weights', i, 'service'], 'must be the stableBackend or the canaryBackend');
  });
};

export const canarySchema = envelope(['policy.weft.io/v1alpha1'], 'Canary', {
  spec: z
    .strictObject({
      targetRef: targetRefSchema,
      trafficRef: z.strictObject({ kind: oneOf(CANARY_TRAFFIC_KINDS), name: name() }),
      stableBackend: name(),
      canaryBackend: name(),
      steps: z.array(step).min(1).max(MAX_CANARY_STEPS),
      analysis,
      promote: z.strictObject({ weights: z.array(backendWeight).min(1).max(2) }).optional(),
    })
    .superRefine(checkSpec),
});
export type CanarySchemaOutput = z.infer<typeof canarySchema>;
