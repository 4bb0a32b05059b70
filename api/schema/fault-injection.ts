// weft's FaultInjection (policy.weft.io/v1alpha1): delay and/or abort a share of the requests
// to one Service, optionally only for some callers or requests, optionally for a limited time.
import { z } from 'zod';
import { INT_OR_STRING, duration, field, name, oneOf, percent, wholeNumber } from './fields.ts';
import { MAX_MATCHES, MAX_NAMESPACE_CHARS } from './limits.ts';
import { envelope } from './meta.ts';
import { routeMatchSchema } from './route-match.ts';
import { targetRefSchema } from './traffic-policy.ts';

export const GRPC_STATUS: Readonly<Record<string, number>> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

const grpcStatus = field<number>(
  'a gRPC status name such as UNAVAILABLE or a code from 1 to 16',
  (v) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 16) return { ok: true, value: v };
    const code = typeof v === 'string' ? GRPC_STATUS[v] : undefined;
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
