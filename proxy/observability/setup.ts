// Start-up of tracing and the access log from the sidecar's settings (flags / WEFT_* / OTEL_*):
// the tracer provider and the log destination are made once here and closed with the sidecar.
import { openAccessLog } from './access-log-sink.ts';
import type { ObservabilityOptions } from './layers.ts';
import { startTracing, tracesUrl } from './tracer.ts';

export interface ObservabilitySettings {
  readonly tracing?: {
    /** --tracing-endpoint: a base URL (gets /v1/traces) or the full traces URL. */
    readonly endpoint: string;
    readonly sampleRatio: number;
    readonly serviceName: string;
    readonly attributes?: Readonly<Record<string, string>>;
  };
  readonly accessLog?: {
    /** Absent = stdout. */
    readonly file?: string;
    readonly sampleRatio: number;
  };
}

export interface StartedObservability {
  /** undefined when both are off: startProxy then puts no layer in the stacks. */
  readonly options?: ObservabilityOptions;
  /** Flushes spans and log lines, then closes the exporter and the log file. */
  close(): Promise<void>;
}

export const startObservability = async (s: ObservabilitySettings): Promise<StartedObservability> => {
  const t = s.tracing;
  const tracing = t
    ? await startTracing({
        url: tracesUrl(t.endpoint),
        sampleRatio: t.sampleRatio,
        serviceName: t.serviceName,
        ...(t.attributes ? { attributes: t.attributes } : {}),
      })
    : undefined;
  const a = s.accessLog;
  const sink = a ? openAccessLog(a.file !== undefined ? { file: a.file } : {}) : undefined;
  const options: ObservabilityOptions | undefined =
    tracing || sink
      ? {
          ...(tracing ? { tracer: tracing.tracer } : {}),
          ...(sink && a ? { accessLog: { sink, sampleRatio: a.sampleRatio } } : {}),
        }
      : undefined;
  return {
    ...(options ? { options } : {}),
    close: async () => {
      await Promise.all([tracing?.close(), sink?.close()]);
    },
  };
};
