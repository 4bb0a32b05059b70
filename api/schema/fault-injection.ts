// weft's FaultInjection (policy.weft.io/v1alpha1): delay and/or abort a share of the requests
// to one Service, optionally only for some callers or requests, optionally for a limited time.
import { z } from 'zod';
import { grpcStatusNamed } from '../model/grpc-status.ts';
import { INT_OR_STRING, duration, field, name, oneOf, percent, wholeNumber } from './fields.ts';
import { MAX_MATCHES, MAX_NAMESPACE_CHARS } from './limits.ts';
import { envelope } from './meta.ts';
import { routeMatchSchema } from './route-match.ts';
import { targetRefSchema } from './traffic-policy.ts';

const grpcStatus = field<number>(
  'a gRPC status name such as UNAVAILABLE or a code from 1 to 16',
  (v) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 16) return { ok: true, value: v };
    const code = typeof v === 'string' ? grpcStatusNamed(v) : undefined;
    return code === undefined ? { ok: false } : { ok: true, value: code };
  },
  INT_OR_STRING,
);

const abort = z
  .strictObject({
    httpStatus: wholeNumber(200, 599).optional(),
    grpcStatus: grpcStatus.optional(),
    percent: percent().optional(),
  })
  .superRefine((a, ctx) => {
    if ((a.httpStatus === undefined) === (a.grpcStatus === undefined))
      ctx.addIssue({ code: 'custom', message: 'set exactly one of httpStatus or grpcStatus', input: a });
  });

/** Ends the experiment early when the target's callers suffer more than this over a window. */
const abortIf = z
  .strictObject({
    window: duration(100),
    minRequests: wholeNumber(1).optional(),
    successRateFloor: percent().optional(),
    p99Ceiling: duration().optional(),
  })
  .superRefine((a, ctx) => {
    if (a.successRateFloor === undefined && a.p99Ceiling === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'set successRateFloor, p99Ceiling or both: without one nothing can end the experiment',
        input: a,
      });
  });

/** Steps of rising percent, each held for its pause; after the last, the spec's own percents. */
const ramp = z
  .array(z.strictObject({ percent: percent(), pause: duration() }))
  .min(1)
  .max(50)
  .superRefine((steps, ctx) => {
    steps.forEach((st, i) => {
      const prev = steps[i - 1];
      if (prev && st.percent <= prev.percent)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'percent'],
          message: `must be above the previous step’s ${prev.percent}: a ramp only rises`,
          input: st,
        });
    });
  });

export const faultInjectionSchema = envelope(['policy.weft.io/v1alpha1'], 'FaultInjection', {
  spec: z
    .strictObject({
      targetRef: targetRefSchema,
      match: routeMatchSchema.optional(),
      sources: z
        .array(
          z.strictObject({
            kind: oneOf(['ServiceAccount']),
            name: name(),
            namespace: name(MAX_NAMESPACE_CHARS).optional(),
          }),
        )
        .max(MAX_MATCHES)
        .optional(),
      delay: z.strictObject({ fixed: duration(), percent: percent().optional() }).optional(),
      abort: abort.optional(),
      duration: duration().optional(),
      abortIf: abortIf.optional(),
      ramp: ramp.optional(),
    })
    .superRefine((s, ctx) => {
      if (!s.delay && !s.abort)
        ctx.addIssue({
          code: 'custom',
          message: 'set delay, abort or both: this fault does nothing',
          input: s,
        });
    }),
});
export type FaultInjectionResource = z.infer<typeof faultInjectionSchema>;
