// `weft proxy` flags for tracing and the access log (docs/observability.md), each with its WEFT_*
// variable, and how they become the sidecar's ObservabilitySettings. The standard OTEL_* variables
// are read by proxy/observability/env.ts and fill in what the flags leave out.
import { InvalidArgumentError, type Command } from 'commander';
import type { OtelEnv } from '../proxy/observability/env.ts';
import type { ObservabilitySettings } from '../proxy/observability/setup.ts';
import { envOption } from './options.ts';

export interface ObservabilityFlags {
  /** OTLP/HTTP endpoint for spans; absent = no tracing (unless OTEL_EXPORTER_OTLP_* names one). */
  tracingEndpoint?: string;
  /** Share of new traces recorded (default 1); a sampled caller's decision is always followed. */
  tracingSampleRatio?: number;
  /** true / "true" = JSON lines on stdout, a path = that file; absent or "false" = off. */
  accessLog?: string | boolean;
  /** Share of requests logged (default 1). */
  accessLogSampleRatio?: number;
}

export const ratio = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('must be a number from 0 to 1, such as 0.1');
  return n;
};

/** An http(s) URL; anything else fails as bad usage, with the flag's name, before anything starts. */
export const httpUrl = (v: string): string => {
  if (!URL.canParse(v) || !/^https?:$/.test(new URL(v).protocol))
    throw new InvalidArgumentError('must be an http(s) URL, such as http://otel-collector:4318');
  return v;
};

/** Adds the tracing and access-log flags to `weft proxy` (listed first in its help). */
export const withObservabilityOptions = (cmd: Command): Command =>
  [
    envOption(
      '--tracing-endpoint <url>',
      'OTLP/HTTP collector for spans, e.g. http://otel-collector:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT; none = no spans, trace headers still forwarded)',
    ).argParser(httpUrl),
    envOption(
      '--tracing-sample-ratio <ratio>',
      'share of new traces recorded, 0..1 (callers that sampled are followed)',
    )
      .argParser(ratio)
      .default(1),
    envOption('--access-log [file]', 'JSON access log: on stdout, or in this file (default off)'),
    envOption('--access-log-sample-ratio <ratio>', 'share of requests written to the access log, 0..1')
      .argParser(ratio)
      .default(1),
  ].reduce((c, o) => c.addOption(o), cmd);

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
  flags: ObservabilityFlags & { workload: string; namespace: string; service?: string },
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
