// Typed failures that layers throw; layers/error-response.ts is the only place that turns
// them into HTTP or gRPC responses.
/** Every code, documented in docs/errors.md (a test keeps the two in step). */
export const MESH_ERROR_CODES = [
  'NO_ROUTE', // no service matches the authority
  'NO_ENDPOINTS', // the service has no (healthy) endpoint
  'CONNECT_FAILED', // TCP/TLS connect to the endpoint failed
  'UPSTREAM_RESET', // connection reset / stream reset before a full response
  'REFUSED_STREAM', // HTTP/2 REFUSED_STREAM: safe to retry anywhere
  'REQUEST_TIMEOUT', // overall timeout
  'PER_TRY_TIMEOUT',
  'CIRCUIT_OPEN', // concurrency limit reached; fail fast
  'RETRY_BUDGET_EXHAUSTED',
  'FORBIDDEN', // authorization denied
  'PEER_IDENTITY_MISMATCH', // mTLS server identity is not the expected one
  'INTERNAL',
] as const;
export type MeshErrorCode = (typeof MESH_ERROR_CODES)[number];

export class MeshError extends Error {
  readonly code: MeshErrorCode;
  /** Short reason for the x-weft-error header. */
  readonly reason: string;
  /** Headers the answer carries besides x-weft-error, such as authz's `x-weft-authz` reason. */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    code: MeshErrorCode,
    reason: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(`${code}: ${reason}`, options);
    this.code = code;
    this.reason = reason;
    this.headers = options?.headers ?? {};
    this.name = 'MeshError';
  }
}

export const isMeshError = (e: unknown): e is MeshError =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'MeshError';
