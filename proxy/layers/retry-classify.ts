// The retry decision, apart from its mechanism: given one try's result, the retry policy and the
// request's traits, say whether it succeeded, may be retried, or failed for good. Pure.
import type { RetryOn, RetryPolicyView } from '../../api/model/policy.ts';
import type { MeshErrorCode } from '../stack/errors.ts';
import { isGrpc } from '../stack/grpc.ts';
import type { HeaderMap, MeshRequest } from '../stack/types.ts';

export type TryResult =
  | { readonly kind: 'response'; readonly status: number; readonly headers: HeaderMap }
  | { readonly kind: 'error'; readonly code?: MeshErrorCode };

export type Verdict = 'success' | 'retryable' | 'fatal';

export type ClassifyPolicy = Pick<RetryPolicyView, 'retryOn' | 'retriableStatusCodes' | 'retryNonIdempotent'>;

export interface RequestTraits {
  readonly method: string;
  /** A native gRPC call (stack/grpc.ts): gRPC-status conditions apply whatever the method. */
  readonly grpc: boolean;
}

/** RFC 9110 §9.2.2 idempotent methods; everything else needs retryNonIdempotent. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const GRPC_CODES: Readonly<Record<string, RetryOn>> = {
  '1': 'cancelled',
  '4': 'deadline-exceeded',
  '8': 'resource-exhausted',
  '13': 'internal',
  '14': 'unavailable',
};
const GRPC_CONDITIONS = new Set<RetryOn>(Object.values(GRPC_CODES));

/** A reset of any kind (connect failure and refused stream included) counts for 5xx, gateway-error and reset. */
const RESET: readonly RetryOn[] = ['5xx', 'gateway-error', 'reset'];
const ERROR_CONDITIONS: Partial<Record<MeshErrorCode, readonly RetryOn[]>> = {
  CONNECT_FAILED: [...RESET, 'connect-failure'],
  REFUSED_STREAM: [...RESET, 'refused-stream'],
  UPSTREAM_RESET: RESET,
};
/** These never reached the application, so retrying them is safe for any method. */
const NEVER_SENT = new Set<MeshErrorCode>(['CONNECT_FAILED', 'REFUSED_STREAM']);

export const requestTraits = (req: Pick<MeshRequest, 'method' | 'headers'>): RequestTraits => {
  return { method: req.method.toUpperCase(), grpc: isGrpc(req.headers) };
};

/** grpc-status from the response headers: only trailers-only responses carry it there. */
export const headerGrpcStatus = (headers: HeaderMap): string | undefined => {
  const v = headers['grpc-status'];
  return typeof v === 'string' ? v.trim() : undefined;
};

const responseConditions = (status: number, headers: HeaderMap, policy: ClassifyPolicy): RetryOn[] => {
  const out: RetryOn[] = [];
  if (status >= 500) out.push('5xx');
  if (status === 502 || status === 503 || status === 504) out.push('gateway-error');
  if (policy.retriableStatusCodes?.includes(status)) out.push('retriable-status-codes');
  const grpc = GRPC_CODES[headerGrpcStatus(headers) ?? ''];
  if (grpc) out.push(grpc);
  return out;
};

const isFailure = (r: TryResult): boolean => {
  if (r.kind === 'error') return true;
  const grpc = headerGrpcStatus(r.headers);
  return r.status >= 500 || (grpc !== undefined && grpc !== '0');
};

const allowedFor = (
  r: TryResult,
  cond: readonly RetryOn[],
  traits: RequestTraits,
  policy: ClassifyPolicy,
): boolean => {
  if (policy.retryNonIdempotent || IDEMPOTENT.has(traits.method)) return true;
  if (r.kind === 'error') return r.code !== undefined && NEVER_SENT.has(r.code);
  // gRPC calls are all POST; naming a gRPC code in retryOn is the opt-in (as gRPC's own retry policy).
  return traits.grpc && cond.some((c) => GRPC_CONDITIONS.has(c));
};

export const classify = (result: TryResult, policy: ClassifyPolicy, traits: RequestTraits): Verdict => {
  let matched: readonly RetryOn[];
  if (result.kind === 'response') matched = responseConditions(result.status, result.headers, policy);
  else if (result.code === 'PER_TRY_TIMEOUT') matched = ['reset'];
  else matched = (result.code && ERROR_CONDITIONS[result.code]) || [];
  // A per-try timeout exists only to be retried, so it needs no retryOn entry.
  const perTry = result.kind === 'error' && result.code === 'PER_TRY_TIMEOUT';
  const hit = perTry ? matched : matched.filter((c) => policy.retryOn.includes(c));
  if (hit.length > 0 && allowedFor(result, hit, traits, policy)) return 'retryable';
  return isFailure(result) || hit.length > 0 ? 'fatal' : 'success';
};
