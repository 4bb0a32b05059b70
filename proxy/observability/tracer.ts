// The sidecar's tracer: an OpenTelemetry SDK tracer provider of its own (not the global one, so
// two sidecars in one process stay apart) with a parent-based ratio sampler and a batching
// OTLP/HTTP (JSON) exporter. The SDK packages are optional dependencies, loaded only here and only
// when an endpoint is configured; without them, start-up fails with a message saying what to install.
import type { Tracer } from '@opentelemetry/api';

export interface TracingConfig {
  /** Full OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces (see tracesUrl). */
  readonly url: string;
  /** Share of new traces (without a sampled parent decision) recorded, 0..1. */
  readonly sampleRatio: number;
  /** `service.name` of the spans; other resource attributes (namespace, workload) beside it. */
  readonly serviceName: string;
  readonly attributes?: Readonly<Record<string, string>>;
  /** Batch export delay (default 1 s: a sidecar's spans reach the collector within seconds). */
  readonly exportDelayMs?: number;
  /** Extra headers on export requests (e.g. authorisation for a hosted collector). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops the exporter. */
  close(): Promise<void>;
}

export const SDK_PACKAGES = [
  '@opentelemetry/sdk-trace',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
] as const;

/** A base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT style) gets `/v1/traces`; a URL with a path is kept. */
export const tracesUrl = (endpoint: string): string => {
  const u = new URL(endpoint);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/traces';
  return u.toString();
};

export class TracingUnavailableError extends Error {
  readonly code = 'TRACING_SDK_MISSING';
  constructor(cause: unknown) {
    super(
      `tracing is configured but the OpenTelemetry SDK could not be loaded (${(cause as Error).message}); ` +
        `install the optional dependencies: npm install ${SDK_PACKAGES.join(' ')}`,
      { cause },
    );
  }
}

const loadSdk = async () => {
  try {
    const [sdk, otlp, resources] = await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
    return { sdk, otlp, resources };
  } catch (e) {
    throw new TracingUnavailableError(e);
  }
};

export const startTracing = async (c: TracingConfig): Promise<Tracing> => {
  const { sdk, otlp, resources } = await loadSdk();
  const exporter = new otlp.OTLPTraceExporter({ url: c.url, headers: { ...c.headers } });
  const provider = new sdk.TracerProvider({
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(c.sampleRatio) }),
    resource: resources.resourceFromAttributes({ ...c.attributes, 'service.name': c.serviceName }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: c.exportDelayMs ?? 1_000,
        maxQueueSize: 4_096,
        maxExportBatchSize: 512,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('weft-proxy'),
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
};
