// Every coded error weft answers with, in one shape: the code, the HTTP and gRPC status where the
// error reaches such a caller, what went wrong and what to do. docs/errors.md lists each one
// (api/model/errors.test.ts keeps the two in step both ways, and checks something produces each).
import { GRPC_STATUS } from './grpc-status.ts';

export interface ErrorEntry {
  /** HTTP status of the answer, for errors an HTTP caller receives. */
  readonly http?: number;
  /** gRPC status of the answer, for errors a gRPC caller receives. */
  readonly grpc?: number;
  /** What went wrong. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** The sidecar's own failures: `x-weft-error: <code>`, or grpc-status for gRPC callers. */
export const SIDECAR_ERRORS = {
  NO_ROUTE: {
    http: 404,
    grpc: GRPC_STATUS.UNIMPLEMENTED,
    message: 'no mesh service matches the Host/:authority',
    fix: 'check the name the app calls; curl 127.0.0.1:15000/config lists known hosts',
  },
  NO_ENDPOINTS: {
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
    message: 'the service has no ready (or non-ejected) endpoint',
    fix: 'check the backend pods / sidecars are running and ready',
  },
  CONNECT_FAILED: {
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
    message:
      'TCP or TLS connect to the chosen endpoint failed, or missed its deadline (connection.connectTimeout / handshakeTimeout)',
    fix: 'the peer sidecar is down, unreachable or refuses mTLS; see its logs',
  },
  UPSTREAM_RESET: {
    http: 502,
    grpc: GRPC_STATUS.UNAVAILABLE,
    message: 'the connection or stream was reset before a full response',
    fix: 'the peer crashed or closed mid-request',
  },
  REFUSED_STREAM: {
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
    message: 'HTTP/2 peer refused the stream (never processed; safe to retry)',
    fix: 'usually transient; add refused-stream to retries',
  },
  REQUEST_TIMEOUT: {
    http: 504,
    grpc: GRPC_STATUS.DEADLINE_EXCEEDED,
    message: 'the TrafficPolicy timeout expired',
    fix: 'raise the timeout or speed up the backend',
  },
  PER_TRY_TIMEOUT: {
    http: 504,
    grpc: GRPC_STATUS.DEADLINE_EXCEEDED,
    message: 'one try exceeded retries.perTryTimeout',
    fix: 'as above, per try',
  },
  CIRCUIT_OPEN: {
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
    message:
      "a circuit-breaker limit (circuitBreaker.*) or an endpoint's connection bound (connection.maxPendingRequestsPerEndpoint) is full; failed fast",
    fix: 'raise the limit or add capacity',
  },
  FORBIDDEN: {
    http: 403,
    grpc: GRPC_STATUS.PERMISSION_DENIED,
    message: 'a TrafficTarget selects the destination and does not allow this caller/route',
    fix: "add the caller's service account to a TrafficTarget",
  },
  PEER_IDENTITY_MISMATCH: {
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
    message: "the server's certificate does not carry the SPIFFE ID the snapshot expects",
    fix: 'a workload is serving under the wrong service account, or endpoints are stale',
  },
  ROUTE_NO_MATCH: {
    http: 404,
    grpc: GRPC_STATUS.UNIMPLEMENTED,
    message: 'HTTPRoute/GRPCRoute rules are attached to the Service port and none matches the request',
    fix: 'add a rule for the request (a rule without matches takes everything), or send a request a rule matches',
  },
  ROUTE_BACKEND_INVALID: {
    http: 500,
    grpc: GRPC_STATUS.INTERNAL,
    message:
      'the HTTPRoute/GRPCRoute rule has no usable backend for this request (every weight 0, a backendRef that did not resolve, or a filter weft cannot apply)',
    fix: "read the route's conditions in the control plane's /status and fix the backendRef or filter it names",
  },
  INTERNAL: {
    http: 500,
    grpc: GRPC_STATUS.INTERNAL,
    message: 'a bug in the sidecar',
    fix: 'please report it with the sidecar log',
  },
} as const satisfies Record<string, ErrorEntry>;

/** The CA's refusals of a certificate request (weft.identity.v1): `details = "<code>: …"`. */
export const IDENTITY_ERRORS = {
  TOKEN_INVALID: {
    grpc: GRPC_STATUS.UNAUTHENTICATED,
    message: 'token missing, forged, expired or for another audience',
    fix: "mount the pod's projected service-account token with the mesh audience; check the clocks",
  },
  IDENTITY_MISMATCH: {
    grpc: GRPC_STATUS.PERMISSION_DENIED,
    message: 'the CSR asks for another namespace/service account/trust domain than the token proves',
    fix: "run the sidecar with the pod's own namespace, service account and the mesh's trust domain",
  },
  CSR_MALFORMED: {
    grpc: GRPC_STATUS.INVALID_ARGUMENT,
    message: 'not PEM PKCS#10, does not parse, or larger than 16 KiB',
    fix: 'send one PEM CERTIFICATE REQUEST',
  },
  CSR_SIGNATURE_INVALID: {
    grpc: GRPC_STATUS.INVALID_ARGUMENT,
    message: "the CSR's signature does not verify with its own key (no proof of possession)",
    fix: 'sign the CSR with the key it carries',
  },
  CSR_SAN_INVALID: {
    grpc: GRPC_STATUS.INVALID_ARGUMENT,
    message:
      'not exactly one URI SAN, or any DNS/IP/email/other SAN, or a URI that is not spiffe://<td>/ns/<ns>/sa/<sa>',
    fix: "put only the workload's SPIFFE ID in the CSR, as one URI SAN",
  },
  CSR_KEY_UNSUPPORTED: {
    grpc: GRPC_STATUS.INVALID_ARGUMENT,
    message: 'key other than ECDSA P-256 / RSA ≥ 2048',
    fix: 'use an ECDSA P-256 key (the sidecar does)',
  },
  CA_INTERNAL: {
    grpc: GRPC_STATUS.INTERNAL,
    message: 'signing failed (a bug or a broken CA key)',
    fix: "report it with the control plane's log; check the CA key and certificate",
  },
} as const satisfies Record<string, ErrorEntry>;

/** The injector webhook's HTTP errors (`{code, message}`); a denied pod's message starts with its code. */
export const INJECTOR_ERRORS = {
  INJECT_BAD_REVIEW: {
    http: 400,
    message:
      'the body is not an admission.k8s.io/v1 AdmissionReview with a request (malformed JSON, no request.uid, a pod CREATE without object)',
    fix: 'only the API server should call /inject; check admissionReviewVersions: [v1]',
  },
  INJECT_BODY_TOO_LARGE: {
    http: 413,
    message: 'the AdmissionReview is larger than the webhook accepts',
    fix: 'no real pod is that large (Kubernetes caps a request at 3 MiB); check what is calling',
  },
  INJECT_BAD_CONTENT_TYPE: {
    http: 415,
    message: 'the body is not application/json',
    fix: 'send JSON',
  },
  INJECT_INVALID_ANNOTATION: {
    // An AdmissionReview answer with allowed: false; the API server then answers its caller 400.
    http: 200,
    message: 'a weft.io/* annotation has a bad value; the message names each one',
    fix: 'fix the annotation (see docs/injector.md)',
  },
  INJECT_NOT_FOUND: {
    http: 404,
    message: 'not a path the webhook serves',
    fix: 'the webhook path is /inject',
  },
  INJECT_INTERNAL: {
    http: 500,
    message: 'a bug in the injector',
    fix: "report it with the injector's log",
  },
} as const satisfies Record<string, ErrorEntry>;

export type SidecarErrorCode = keyof typeof SIDECAR_ERRORS;
export type IdentityErrorCode = keyof typeof IDENTITY_ERRORS;
export type InjectorErrorCode = keyof typeof INJECTOR_ERRORS;
export type ErrorCode = SidecarErrorCode | IdentityErrorCode | InjectorErrorCode;

export const ERROR_REGISTRY: Readonly<Record<ErrorCode, ErrorEntry>> = {
  ...SIDECAR_ERRORS,
  ...IDENTITY_ERRORS,
  ...INJECTOR_ERRORS,
};
