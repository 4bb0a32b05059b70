// weft's TrafficPolicy (policy.weft.io/v1alpha1): timeout, retries, circuit breaker and outlier
// detection for one Service, optionally overridden per route, and how its endpoints are
// connected to (per Service only: connections are shared by every route). Only what the user wrote is
// kept here; control-plane/index applies the documented defaults.
import { z } from 'zod';
import { RETRY_ON } from '../model/policy.ts';
import { decimal, duration, flag, name, oneOf, percent, wholeNumber } from './fields.ts';
import { MAX_MATCHES, MAX_STATUS_CODES } from './limits.ts';
import { envelope } from './meta.ts';
import { routeMatchSchema } from './route-match.ts';

export const targetRefSchema = z.strictObject({
  group: oneOf(['', 'core']).optional(),
  kind: z.literal('Service'),
  name: name(),
});

const retries = z
  .strictObject({
    attempts: wholeNumber(1, 10).optional(),
    perTryTimeout: duration().optional(),
    retryOn: z.array(oneOf(RETRY_ON)).min(1).max(RETRY_ON.length).optional(),
    retriableStatusCodes: z.array(wholeNumber(100, 599)).max(MAX_STATUS_CODES).optional(),
    backoff: z.strictObject({ base: duration().optional(), max: duration().optional() }).optional(),
    budget: z
      .strictObject({
        ratio: decimal(0, 10).optional(),
        minPerSecond: wholeNumber(0).optional(),
        window: duration(1000).optional(),
      })
      .optional(),
    maxReplayBytes: wholeNumber(0).optional(),
    retryNonIdempotent: flag().optional(),
  })
  .superRefine((r, ctx) => {
    const { base, max } = r.backoff ?? {};
    if (base !== undefined && max !== undefined && base > max)
      ctx.addIssue({
        code: 'custom',
        path: ['backoff', 'max'],
        message: 'must be ≥ backoff.base',
        input: max,
      });
    if (r.retryOn?.includes('retriable-status-codes') && !r.retriableStatusCodes?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['retriableStatusCodes'],
        message: 'is required when retryOn lists retriable-status-codes: list the HTTP statuses to retry',
      });
  });

const circuitBreaker = z.strictObject({
  maxConnections: wholeNumber(1).optional(),
  maxPendingRequests: wholeNumber(0).optional(),
  maxRequests: wholeNumber(1).optional(),
  maxRetries: wholeNumber(0).optional(),
});

const outlierDetection = z.strictObject({
  consecutive5xx: wholeNumber(1).optional(),
  consecutiveGatewayErrors: wholeNumber(1).optional(),
  interval: duration().optional(),
  baseEjectionTime: duration().optional(),
  maxEjectionPercent: percent().optional(),
});

const connection = z.strictObject({
  connectTimeout: duration().optional(),
  handshakeTimeout: duration().optional(),
  maxConnectionsPerEndpoint: wholeNumber(1).optional(),
  maxPendingRequestsPerEndpoint: wholeNumber(0).optional(),
});

const rules = {
  timeout: duration().optional(),
  retries: retries.optional(),
  circuitBreaker: circuitBreaker.optional(),
  outlierDetection: outlierDetection.optional(),
};

export const trafficPolicySchema = envelope(['policy.weft.io/v1alpha1'], 'TrafficPolicy', {
  spec: z.strictObject({
    targetRef: targetRefSchema,
    ...rules,
    connection: connection.optional(),
    routes: z
      .array(z.strictObject({ name: name().optional(), match: routeMatchSchema, ...rules }))
      .max(MAX_MATCHES)
      .optional(),
  }),
});
export type TrafficPolicyResource = z.infer<typeof trafficPolicySchema>;
export type PolicyRulesSpec = Pick<TrafficPolicyResource['spec'], keyof typeof rules>;
