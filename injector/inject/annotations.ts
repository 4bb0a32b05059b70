// The injector's public API on objects: the label and annotations users set (documented in
// docs/injector.md) and the ones the injector writes. Renaming any of these breaks users.
export const INJECT_LABEL = 'weft.io/inject';
export const INJECT_ENABLED = 'enabled';
export const INJECT_DISABLED = 'disabled';

/** What users may set on a pod (or pod template). */
export const ANNOTATION = {
  inject: 'weft.io/inject',
  excludeOutboundPorts: 'weft.io/exclude-outbound-ports',
  excludeOutboundCidrs: 'weft.io/exclude-outbound-cidrs',
  excludeInboundPorts: 'weft.io/exclude-inbound-ports',
  logLevel: 'weft.io/proxy-log-level',
  cpuRequest: 'weft.io/proxy-cpu-request',
  memoryRequest: 'weft.io/proxy-memory-request',
  cpuLimit: 'weft.io/proxy-cpu-limit',
  memoryLimit: 'weft.io/proxy-memory-limit',
  nativeSidecar: 'weft.io/native-sidecar',
  rewriteProbes: 'weft.io/rewrite-app-probes',
  /** "true": the sidecar writes a JSON access log on stdout (docs/observability.md). */
  accessLog: 'weft.io/access-log',
  /** 0..1: share of requests the access log keeps (default 1). */
  accessLogSampleRatio: 'weft.io/access-log-sample-ratio',
} as const;

/** What the injector writes. */
export const INJECTED = 'weft.io/injected';
export const INJECT_SKIPPED = 'weft.io/inject-skipped';

export const PROXY_CONTAINER = 'weft-proxy';
export const INIT_CONTAINER = 'weft-init';
export const TOKEN_VOLUME = 'weft-token';
export const CERTS_VOLUME = 'weft-certs';
export const ROOT_CA_VOLUME = 'weft-root-ca';
