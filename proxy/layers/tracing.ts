// One span per request through @opentelemetry/api: SERVER kind on the inbound listener, CLIENT
// kind on the outbound one, child of the context the caller sent (traceparent, else B3). The
// span's own context replaces the caller's in the forwarded request, so the next hop (peer
// sidecar or app) continues the same trace. The span ends when the response body does.
// Placed only when tracing is configured: with it off, trace headers just travel with the others.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { faultOf, onResponseDone, retriesOf } from '../observability/response-done.ts';
import { incomingTrace, withTraceHeaders, type WireContext } from '../observability/trace-context.ts';
import type { CallCtx, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { ERROR_HEADER } from './error-response.ts';
import { UNRESOLVED } from './route-match.ts';

export type TraceDirection = 'inbound' | 'outbound';

export interface TracingLayerOptions {
  readonly tracer: Tracer;
  readonly direction: TraceDirection;
}

// OTel HTTP semantic conventions: methods outside this set are reported as _OTHER.
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

const splitAuthority = (authority: string): { host: string; port?: number } => {
  const colon = authority.lastIndexOf(':');
  if (colon < 0 || authority.endsWith(']')) return { host: authority };
  const port = Number(authority.slice(colon + 1));
  return Number.isInteger(port) ? { host: authority.slice(0, colon), port } : { host: authority };
};

/** Attributes known when the request head arrives (they inform samplers). */
export const startAttributes = (req: MeshRequest): Attributes => {
  const q = req.path.indexOf('?');
  const { host, port } = splitAuthority(req.authority);
  const known = KNOWN_METHODS.has(req.method);
  return {
    'http.request.method': known ? req.method : '_OTHER',
    ...(known ? {} : { 'http.request.method_original': req.method }),
    'url.path': q < 0 ? req.path : req.path.slice(0, q),
    'url.scheme': 'http',
    'server.address': host,
    ...(port !== undefined ? { 'server.port': port } : {}),
    'network.protocol.version': req.protocol === 'h2' ? '2' : '1.1',
  };
};

const errorStatus = (direction: TraceDirection, status: number): boolean =>
  direction === 'outbound' ? status >= 400 : status >= 500;

const serviceName = (ctx: CallCtx, backend: boolean): string => {
  const s = backend ? (ctx.backend ?? ctx.service) : ctx.service;
  return s === UNRESOLVED ? 'unknown' : `${s.namespace}/${s.name}`;
};

/** Attributes known once the answer is complete: status, where it went, what policy did. */
const finish = (
  span: Span,
  o: { direction: TraceDirection; method: string; ctx: CallCtx; res: MeshResponse; grpc: string },
): void => {
  const { ctx, res, direction } = o;
  span.setAttribute('http.response.status_code', res.status);
  span.setAttribute('weft.destination.service', serviceName(ctx, false));
  span.setAttribute('weft.destination.backend', serviceName(ctx, true));
  if (ctx.route) span.setAttribute('http.route', ctx.route);
  if (o.grpc !== '') span.setAttribute('rpc.grpc.status_code', Number(o.grpc));
  const ep = ctx.endpoint;
  if (direction === 'outbound' && ep) {
    span.setAttribute('network.peer.address', ep.address);
    span.setAttribute('network.peer.port', ep.port);
  }
  if (direction === 'inbound' && ctx.sourceIdentity)
    span.setAttribute('weft.source.identity', ctx.sourceIdentity);
  const retries = retriesOf(ctx.notes);
  if (retries > 0) span.setAttribute('weft.retries', retries);
  const fault = faultOf(ctx.notes);
  if (fault) span.setAttribute('weft.fault', fault);
  const code = res.headers[ERROR_HEADER];
  if (errorStatus(direction, res.status) || typeof code === 'string') {
    span.setAttribute('error.type', typeof code === 'string' ? code : String(res.status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  // Span names stay low-cardinality: the method, and the configured route name when one matched.
  if (ctx.route) span.updateName(`${o.method} ${ctx.route}`);
};

const parentContext = (p: WireContext | undefined) =>
  p
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: p.traceId,
        spanId: p.spanId,
        traceFlags: p.sampled ? 1 : 0,
        isRemote: true,
      })
    : ROOT_CONTEXT;

export const tracingLayer = (o: TracingLayerOptions): Layer => {
  const { tracer, direction } = o;
  const kind = direction === 'outbound' ? SpanKind.CLIENT : SpanKind.SERVER;
  return (next) => (req, ctx) => {
    const incoming = incomingTrace(req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind, attributes: startAttributes(req) },
      parentContext(incoming.parent),
    );
    const sc = span.spanContext();
    const sampled = (sc.traceFlags & 1) === 1;
    if (span.isRecording()) ctx.keepNotes = true;
    const forwarded: MeshRequest = {
      ...req,
      headers: withTraceHeaders(req.headers, { traceId: sc.traceId, spanId: sc.spanId, sampled }, incoming),
    };
    return next(forwarded, ctx).then(
      (res) => {
        if (span.isRecording())
          onResponseDone(res, (grpc) => {
            finish(span, { direction, method: req.method, ctx, res, grpc });
            span.end();
          });
        return res;
      },
      (err: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        throw err;
      },
    );
  };
};
