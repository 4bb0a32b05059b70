// How a sidecar's tracing and access-log options (the `weft proxy` flags of docs/observability.md)
// and the standard OTEL_* variables (proxy/observability/env.ts) become its ObservabilitySettings:
// a flag wins over the variable that would fill it in.
import type { OtelEnv } from '../observability/env.ts';
import type { ObservabilitySettings } from '../observability/setup.ts';

/** The tracing and access-log options of one sidecar. */
export interface SidecarObservability {
  /** OTLP/HTTP endpoint for spans; absent = no tracing (unless OTEL_EXPORTER_OTLP_* names one). */
  tracingEndpoint?: string;
  /** Share of new traces recorded (default 1); a sampled caller's decision is always followed. */
  tracingSampleRatio?: number;
  /** true / "true" = JSON lines on stdout, a path = that file; absent or "false" = off. */
  accessLog?: string | boolean;
  /** Share of requests logged (default 1). */
  accessLogSampleRatio?: number;
}

/** "true"/"1"/"stdout"/"-" (or the bare flag) = stdout; "false"/"0"/"off"/"" = off; else a file. */
export const accessLogTarget = (v: string | boolean | undefined): { file?: string } | undefined => {
  if (v === undefined || v === false) return undefined;
  if (v === true) return {};
  const s = v.trim();
  if (['', 'false', '0', 'off'].includes(s.toLowerCase())) return undefined;
  if (['true', '1', 'stdout', '-'].includes(s.toLowerCase())) return {};
  return { file: s };
};

export const observabilitySettings = (
  flags: SidecarObservability & { workload: string; namespace: string; service?: string },
  otel: OtelEnv = {},
): ObservabilitySettings => {
  const endpoint = flags.tracingEndpoint ?? otel.tracesUrl;
  const log = accessLogTarget(flags.accessLog);
  return {
    ...(endpoint
      ? {
          tracing: {
            endpoint,
            sampleRatio: flags.tracingSampleRatio ?? 1,
            serviceName: otel.serviceName ?? flags.service ?? flags.workload,
            attributes: { 'service.namespace': flags.namespace, 'weft.workload': flags.workload },
          },
        }
      : {}),
    ...(log ? { accessLog: { ...log, sampleRatio: flags.accessLogSampleRatio ?? 1 } } : {}),
  };
};
