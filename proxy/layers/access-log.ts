// Access log: one JSON line per request (sampled), written when the response body ends, with what
// the sidecar decided for it (service, split backend, endpoint, retries, fault) and the trace id.
// Placed only when the access log is on; inside the tracing layer, so the trace id it reads from
// the forwarded request is the one the next hop sees even when this sidecar started the trace.
import type { Clock, Random } from '../../api/runtime/clock.ts';
import type { AccessLogSink } from '../observability/access-log-sink.ts';
import { faultOf, onResponseDone, retriesOf } from '../observability/response-done.ts';
import { traceIdOf } from '../observability/trace-context.ts';
import type { CallCtx, HeaderMap, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { ERROR_HEADER } from './error-response.ts';
import { UNRESOLVED } from './route-match.ts';

export interface AccessLogLayerOptions {
  readonly sink: AccessLogSink;
  readonly direction: 'inbound' | 'outbound';
  readonly clock: Clock;
  readonly random: Random;
  /** Share of requests logged, 0..1 (1 logs every request without drawing a random number). */
  readonly sampleRatio: number;
}

const bytesOf = (h: HeaderMap): number | undefined => {
  const v = h['content-length'];
  const n = typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

const nameOf = (ctx: CallCtx, backend: boolean): string => {
  const s = backend ? (ctx.backend ?? ctx.service) : ctx.service;
  return s === UNRESOLVED ? '' : `${s.namespace}/${s.name}`;
};

/** One line's fields (documented in docs/observability.md: renaming any breaks log pipelines). */
export const accessLogEntry = (
  direction: 'inbound' | 'outbound',
  /** time: wall-clock ms when the request arrived (the line's `time`). */
  x: {
    time: number;
    req: MeshRequest;
    ctx: CallCtx;
    res: MeshResponse;
    grpcStatus: string;
    durationMs: number;
  },
): Record<string, string | number> => {
  const { req, ctx, res } = x;
  const ep = ctx.endpoint;
  const error = res.headers[ERROR_HEADER];
  const reqBytes = bytesOf(req.headers);
  const resBytes = bytesOf(res.headers);
  return {
    time: new Date(x.time).toISOString(),
    direction,
    protocol: req.protocol,
    method: req.method,
    authority: req.authority,
    path: req.path,
    status: res.status,
    grpc_status: x.grpcStatus,
    duration_ms: Math.round(x.durationMs * 1000) / 1000,
    service: nameOf(ctx, false),
    backend: nameOf(ctx, true),
    route: ctx.route ?? '',
    upstream: ep ? `${ep.address}:${ep.port}` : '',
    retries: retriesOf(ctx.notes),
    fault: faultOf(ctx.notes),
    error: typeof error === 'string' ? error : '',
    trace_id: traceIdOf(req.headers),
    source: (direction === 'inbound' ? ctx.sourceIdentity : undefined) ?? ctx.sourceServiceAccount ?? '',
    ...(reqBytes !== undefined ? { request_bytes: reqBytes } : {}),
    ...(resBytes !== undefined ? { response_bytes: resBytes } : {}),
  };
};

export const accessLogLayer = (o: AccessLogLayerOptions): Layer => {
  const { sink, direction, clock, random, sampleRatio } = o;
  const always = sampleRatio >= 1;
  return (next) => (req, ctx) => {
    if (!always && random() >= sampleRatio) return next(req, ctx);
    ctx.keepNotes = true;
    const started = clock.now();
    const startedWall = clock.wallNow();
    return next(req, ctx).then((res) => {
      onResponseDone(res, (grpcStatus) =>
        sink.write(
          accessLogEntry(direction, {
            ...{ req, ctx, res, grpcStatus },
            time: startedWall,
            durationMs: clock.now() - started,
          }),
        ),
      );
      return res;
    });
  };
};
