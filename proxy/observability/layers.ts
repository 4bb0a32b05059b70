// Which observability layers a listener's stack gets, built once at start-up: none when tracing
// and the access log are off (the default), so the request path is then exactly as without them.
import type { Tracer } from '@opentelemetry/api';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import { accessLogLayer } from '../layers/access-log.ts';
import { tracingLayer } from '../layers/tracing.ts';
import type { Layer } from '../stack/types.ts';
import type { AccessLogSink } from './access-log-sink.ts';

export interface ObservabilityOptions {
  /** Spans for every request through this tracer (proxy/observability/tracer.ts makes one). */
  readonly tracer?: Tracer;
  readonly accessLog?: {
    readonly sink: AccessLogSink;
    /** Share of requests logged, 0..1 (default 1). */
    readonly sampleRatio?: number;
  };
}

/** Outer to inner: tracing, then the access log (which reads the trace id tracing forwards). */
export const observabilityLayers = (
  o: ObservabilityOptions | undefined,
  direction: 'inbound' | 'outbound',
  deps: { readonly clock: Clock; readonly random: Random },
): readonly Layer[] => {
  const layers: Layer[] = [];
  if (o?.tracer) layers.push(tracingLayer({ tracer: o.tracer, direction }));
  const log = o?.accessLog;
  const ratio = log?.sampleRatio ?? 1;
  if (log && ratio > 0)
    layers.push(accessLogLayer({ sink: log.sink, direction, ...deps, sampleRatio: ratio }));
  return layers;
};
