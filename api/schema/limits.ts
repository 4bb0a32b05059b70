// Size limits of mesh configuration. Every object ends up in sidecar snapshots, compiled into
// route tables and matched per request, so none may be as large as its author likes: a 50,000
// backend split or a 1 MiB regex costs every sidecar memory and every request time. Where
// Kubernetes has a limit of its own (names, EndpointSlices) weft uses the same number, so
// nothing the API server accepts is refused here; the rest leave ample room for real meshes.

/** metadata.name and names that refer to objects: a DNS subdomain is at most 253 characters. */
export const MAX_NAME_CHARS = 253;
/** metadata.namespace: a DNS label is at most 63 characters. */
export const MAX_NAMESPACE_CHARS = 63;
/** TrafficSplit spec.backends. */
export const MAX_BACKENDS = 100;
/** TrafficSplit spec.matches, HTTPRouteGroup matches, TrafficPolicy spec.routes, FaultInjection sources. */
export const MAX_MATCHES = 100;
/** Header matchers in one match. */
export const MAX_HEADER_MATCHES = 32;
/** pathRegex and header value regexes. */
export const MAX_REGEX_CHARS = 1024;
/** TrafficPolicy retries.retriableStatusCodes. */
export const MAX_STATUS_CODES = 100;
/** EndpointSlice limits, as Kubernetes validates them. */
export const MAX_SLICE_ENDPOINTS = 1000;
export const MAX_SLICE_ADDRESSES = 100;
export const MAX_SLICE_PORTS = 100;
/** v1 Endpoints: addresses per subset list (the Kubernetes controller truncates at 1000). */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
/** One YAML file in a local-mode configuration folder (etcd stores at most ~1.5 MiB per object). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** The issue message for a file over MAX_FILE_BYTES, or undefined when it is within. */
export const fileTooLarge = (bytes: number): string | undefined =>
  bytes <= MAX_FILE_BYTES
    ? undefined
    : `is ${bytes} bytes: a configuration file may be at most ${MAX_FILE_BYTES} bytes (1 MiB); split it into several files`;
/** Gateway API route rules per route (the API server allows 16; more is accepted for local mode). */
export const MAX_ROUTE_RULES = 100;
/** Gateway API parentRefs and hostnames per route (the API server allows 32 and 16). */
export const MAX_ROUTE_PARENTS = 32;
/** Gateway API filters per rule or backendRef (the API server allows 16). */
export const MAX_ROUTE_FILTERS = 16;
