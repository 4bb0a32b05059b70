// What one sidecar is started with: each field is a `weft proxy` flag of the same name (and its
// WEFT_* variable), plus what only code can give (injected time and randomness, policy layers).
import type { Clock, Random } from '../../api/runtime/clock.ts';
import type { OtelEnv } from '../observability/env.ts';
import type { ProxyOptions } from '../runtime.ts';
import type { InboundMode } from '../transport/listener.ts';
import type { SidecarObservability } from './observability-settings.ts';

/** The part of SidecarOptions that `weft proxy` reads from its flags. */
export interface SidecarFlagOptions extends SidecarObservability {
  controlPlane?: string;
  config?: string;
  workload: string;
  namespace: string;
  service?: string;
  serviceAccount?: string;
  appPort?: number;
  appHost: string;
  outboundPort: number;
  inboundPort: number;
  adminPort: number;
  metricsPort: number;
  /** Bind address of the inbound and metrics listeners (default 0.0.0.0). */
  listenHost?: string;
  caAddress?: string;
  tokenFile?: string;
  trustDomain: string;
  inboundMode?: InboundMode;
  /** Probe listener port (WEFT_PROBE_PORT); absent = no probe listener. */
  probePort?: number;
  /** The app's original probes as the injector writes them (WEFT_APP_PROBES JSON). */
  appProbes?: string;
  /** This pod's IP (WEFT_POD_IP): the address peers reach the inbound listener at. */
  podIp?: string;
  /** Opaque TCP idle timeout (WEFT_TCP_IDLE_TIMEOUT), ms; 0 = none; absent = the proxy's default. */
  tcpIdleTimeout?: number;
  /**
   * WEFT_STATE_DIR: where the last accepted snapshot and the still-valid certificate are kept so
   * a restart while the control plane is away can serve (the injector mounts an in-memory volume).
   */
  stateDir?: string;
  /** Trust bundle file for TLS to the control plane (WEFT_CONTROL_PLANE_CA); absent = plaintext. */
  controlPlaneCa?: string;
  /** SPIFFE ID the control plane must present (default: weft-system/weft-control-plane). */
  controlPlaneIdentity?: string;
}

export interface SidecarOptions extends SidecarFlagOptions {
  /** The OTEL_* variables (proxy/observability/env.ts readOtelEnv); absent = none. */
  otel?: OtelEnv;
  /** Inbound policy layers per snapshot; default authorization (authzInboundLayers). */
  inboundLayers?: ProxyOptions['inboundLayers'];
  /** Injected time for the runtime (default the system clock). */
  clock?: Clock;
  /** The runtime's randomness (balancing, jitter); default Math.random. */
  random?: Random;
  /** How long close() lets in-flight requests finish (default 5 s). */
  drainMs?: number;
  /** Reads a captured connection's original destination (default: the native addon); tests inject one. */
  originalDst?: ProxyOptions['originalDst'];
  /** The discovery client's reconnect back-off and its jitter (defaults 250 ms → 10 s, Math.random). */
  discovery?: { backoff?: { baseMs?: number; maxMs?: number }; random?: Random };
}
