import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { Handler, MeshRequest } from '../stack/types.ts';
import { callCtx, request, response, testService } from './policy-testkit.ts';
import { startAttributes, tracingLayer } from './tracing.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

const setup = (direction: 'inbound' | 'outbound', ratio = 1) => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({
      root: ratio > 0 ? new TraceIdRatioBasedSampler(ratio) : new AlwaysOffSampler(),
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const seen: MeshRequest[] = [];
  const run = (inner: Handler) =>
    tracingLayer({ tracer: provider.getTracer('test'), direction })(
      (req, ctx) => (seen.push(req), inner(req, ctx)),
    );
  return { exporter, seen, run };
};

describe('tracingLayer', () => {
  it('outbound: a CLIENT span child of the caller, its context forwarded in traceparent and b3', async () => {
    const { exporter, seen, run } = setup('outbound');
    const ctx = callCtx();
    const h = run(async (_req, c) => {
      c.backend = { ...testService, name: 'catalog-v2' };
      c.endpoint = { address: '10.0.0.7', port: 8080 };
      c.notes.push('fault:delay:slow:5ms', 'retry:1:503');
      return response(200);
    });
    await h(request({ headers: { traceparent: `00-${T}-${S}-01`, b3: `${T}-${S}-1` } }), ctx);
    const [span] = exporter.getFinishedSpans();
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.spanContext().traceId).toBe(T);
    expect(span?.parentSpanContext?.spanId).toBe(S);
    const own = span!.spanContext().spanId;
    expect(seen[0]?.headers.traceparent).toBe(`00-${T}-${own}-01`);
    expect(seen[0]?.headers.b3).toBe(`${T}-${own}-1`);
    expect(ctx.keepNotes).toBe(true);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/items',
      'server.address': 'catalog',
      'http.response.status_code': 200,
      'weft.destination.service': 'demo/catalog',
      'weft.destination.backend': 'demo/catalog-v2',
      'network.peer.address': '10.0.0.7',
      'network.peer.port': 8080,
      'weft.retries': 1,
      'weft.fault': 'delay:slow:5ms',
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('inbound: a SERVER span starting a new trace when the caller sent none; 5xx is an error', async () => {
    const { exporter, seen, run } = setup('inbound');
    await run(async () => response(503, { 'x-weft-error': 'NO_ENDPOINTS' }))(request(), callCtx());
    const [span] = exporter.getFinishedSpans();
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(seen[0]?.headers.traceparent).toBe(
      `00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`,
    );
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('NO_ENDPOINTS');
  });

  it('a caller that did not sample: no span recorded, the decision travels on (flags 00)', async () => {
    const { exporter, seen, run } = setup('outbound');
    await run(async () => response(200))(request({ headers: { traceparent: `00-${T}-${S}-00` } }), callCtx());
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(seen[0]?.headers.traceparent).toMatch(new RegExp(`^00-${T}-[0-9a-f]{16}-00$`));
  });

  it('sample ratio 0 for new traces: nothing recorded, notes not kept, a fresh trace id still forwarded', async () => {
    const { exporter, seen, run } = setup('outbound', 0);
    const ctx = callCtx();
    await run(async () => response(200))(request(), ctx);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(ctx.keepNotes).toBeUndefined();
    expect(seen[0]?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/u);
  });

  it('the span ends when the body ends, and is named by the route', async () => {
    const { Readable } = await import('node:stream');
    const { exporter, run } = setup('outbound');
    const body = new Readable({ read() {} });
    const res = await run(async (_r, c) => ((c.route = 'items'), response(200, {}, body)))(
      request(),
      callCtx(),
    );
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    body.push(null);
    res.body!.resume();
    await new Promise((r) => res.body!.once('end', r));
    await new Promise((r) => setImmediate(r));
    expect(exporter.getFinishedSpans()[0]?.name).toBe('GET items');
  });

  it('unknown methods are _OTHER', () => {
    expect(startAttributes(request({ method: 'PURGE', authority: 'a:8080', path: '/x?y=1' }))).toEqual({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PURGE',
      'url.path': '/x',
      'url.scheme': 'http',
      'server.address': 'a',
      'server.port': 8080,
      'network.protocol.version': '1.1',
    });
  });
});
