// Trace context through a sidecar pair (app → client sidecar → server sidecar → app): with tracing
// off the caller's traceparent and B3 headers arrive unchanged; with tracing on both sidecars
// export spans over OTLP/HTTP to a real receiver, linked parent → child in the caller's trace.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../proxy/observability/tracer.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { startPair, type Pair } from '../helpers/mesh.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

interface HeaderApp {
  readonly port: number;
  readonly seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** An app that answers 200 and keeps the headers of every request it received. */
const startHeaderApp = async (): Promise<HeaderApp> => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.once('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const pairWith = async (app: HeaderApp, tracing?: { client: Tracing; server: Tracing }): Promise<Pair> => {
  const pair = await startPair('catalog', app.port, {
    client: tracing ? { observability: { tracer: tracing.client.tracer } } : {},
    server: tracing ? { observability: { tracer: tracing.server.tracer } } : {},
  });
  cleanup.push(() => pair.close());
  return pair;
};

describe('tracing off: trace headers pass through unchanged', () => {
  it.each([
    ['traceparent + tracestate', { traceparent: `00-${T}-${S}-01`, tracestate: 'vendor=abc' }],
    ['b3 single', { b3: `${T}-${S}-1` }],
    ['b3 multi', { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' }],
  ])('%s', async (_name, headers) => {
    const app = await startHeaderApp();
    cleanup.push(() => app.close());
    const pair = await pairWith(app);
    const reply = await h1Call(pair.client.proxy.ports.outbound, { authority: 'catalog', headers });
    expect(reply.status).toBe(200);
    expect(app.seen).toHaveLength(1);
    expect(app.seen[0]).toMatchObject(headers);
  });
});

/** Flushes both sidecars' exporters until `n` spans arrived (bounded: 50 rounds). */
const spansArrived = async (rx: OtlpReceiver, n: number, tracings: Tracing[]): Promise<ReceivedSpan[]> => {
  for (let i = 0; i < 50 && rx.spans.length < n; i++) {
    await Promise.all(tracings.map((t) => t.flush()));
    if (rx.spans.length < n) await new Promise((r) => setTimeout(r, 20));
  }
  return rx.spans;
};

describe('tracing on: spans exported over OTLP/HTTP from both sidecars', () => {
  const start = async (sampleRatio = 1) => {
    const rx = await startOtlpReceiver();
    cleanup.push(() => rx.close());
    const make = (serviceName: string) =>
      startTracing({ url: rx.url, sampleRatio, serviceName, exportDelayMs: 60_000 });
    const tracing = { client: await make('catalog-client'), server: await make('catalog') };
    cleanup.push(
      () => tracing.client.close(),
      () => tracing.server.close(),
    );
    const app = await startHeaderApp();
    cleanup.push(() => app.close());
    const pair = await pairWith(app, tracing);
    return { rx, tracing, app, pair };
  };

  it('continues the caller trace: client span → server span → app, parent/child linked', async () => {
    const { rx, tracing, app, pair } = await start();
    const reply = await h1Call(pair.client.proxy.ports.outbound, {
      authority: 'catalog',
      path: '/items?page=2',
      headers: { traceparent: `00-${T}-${S}-01`, b3: `${T}-${S}-1` },
    });
    expect(reply.status).toBe(200);
    const spans = await spansArrived(rx, 2, [tracing.client, tracing.server]);
    expect(spans).toHaveLength(2);
    expect(rx.contentTypes.every((c) => c.startsWith('application/json'))).toBe(true);
    const client = spans.find((s) => s.service === 'catalog-client');
    const server = spans.find((s) => s.service === 'catalog');
    expect(client).toMatchObject({ traceId: T, parentSpanId: S, kind: 3, name: 'GET' });
    expect(server).toMatchObject({ traceId: T, parentSpanId: client?.spanId, kind: 2 });
    expect(client?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/items',
      'server.address': 'catalog',
      'http.response.status_code': 200,
      'weft.destination.service': 'demo/catalog',
      'weft.destination.backend': 'demo/catalog',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': pair.server.proxy.ports.inbound,
    });
    expect(server?.attributes).toMatchObject({ 'http.response.status_code': 200 });
    // The app sees the caller's trace, with the server sidecar's span as its parent; B3 too.
    expect(app.seen[0]?.traceparent).toBe(`00-${T}-${server?.spanId}-01`);
    expect(app.seen[0]?.b3).toBe(`${T}-${server?.spanId}-1`);
  });

  it('starts a trace when the caller sent none; the app sees its id', async () => {
    const { rx, tracing, app, pair } = await start();
    await h1Call(pair.client.proxy.ports.outbound, { authority: 'catalog' });
    const spans = await spansArrived(rx, 2, [tracing.client, tracing.server]);
    const client = spans.find((s) => s.kind === 3);
    expect(client?.parentSpanId).toBe('');
    expect(spans.find((s) => s.kind === 2)?.parentSpanId).toBe(client?.spanId);
    expect(app.seen[0]?.traceparent).toMatch(new RegExp(`^00-${client?.traceId}-[0-9a-f]{16}-01$`));
  });

  it('sample ratio 0: no spans, but the app still gets a traceparent (not sampled)', async () => {
    const { rx, tracing, app, pair } = await start(0);
    await h1Call(pair.client.proxy.ports.outbound, { authority: 'catalog' });
    await Promise.all([tracing.client.flush(), tracing.server.flush()]);
    expect(rx.spans).toHaveLength(0);
    expect(app.seen[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/u);
  });
});
