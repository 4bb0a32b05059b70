import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import type { AccessLogSink } from '../observability/access-log-sink.ts';
import type { Handler } from '../stack/types.ts';
import { accessLogLayer } from './access-log.ts';
import { callCtx, request, response, testService } from './policy-testkit.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';

const memorySink = (): AccessLogSink & { entries: Record<string, unknown>[] } => {
  const entries: Record<string, unknown>[] = [];
  return {
    entries,
    write: (e) => void entries.push(e as Record<string, unknown>),
    flush: () => undefined,
    close: async () => undefined,
  };
};

const setup = (sampleRatio = 1, direction: 'inbound' | 'outbound' = 'outbound') => {
  const sink = memorySink();
  const clock = new ManualClock();
  const layer = accessLogLayer({ sink, direction, clock, random: seededRandom(7), sampleRatio });
  return { sink, clock, run: (h: Handler) => layer(h) };
};

describe('accessLogLayer', () => {
  it('writes one entry with what the stack decided, once the body ended', async () => {
    const { sink, clock, run } = setup();
    const body = new Readable({ read() {} });
    const ctx = callCtx({ sourceServiceAccount: 'demo/web' });
    const res = await run(async (_r, c) => {
      c.backend = { ...testService, name: 'catalog-v2' };
      c.endpoint = { address: '10.0.0.7', port: 8080 };
      c.route = 'items';
      c.notes.push('retry:1:503', 'retry:2:503', 'retry:skipped:budget', 'split:demo/catalog-v2');
      clock.advance(12.5);
      return response(200, { 'content-length': '5' }, body);
    })(
      request({
        method: 'POST',
        path: '/items?x=1',
        headers: { b3: `${T}-00f067aa0ba902b7-1`, 'content-length': '3' },
      }),
      ctx,
    );
    expect(ctx.keepNotes).toBe(true);
    expect(sink.entries).toHaveLength(0); // not before the body ends
    body.push('hello');
    body.push(null);
    res.body!.resume();
    await new Promise((r) => res.body!.once('end', r));
    await new Promise((r) => setImmediate(r));
    expect(sink.entries).toEqual([
      {
        time: '2023-11-14T22:13:20.000Z', // when the request arrived
        direction: 'outbound',
        protocol: 'http1',
        method: 'POST',
        authority: 'catalog',
        path: '/items?x=1',
        status: 200,
        grpc_status: '',
        duration_ms: 12.5,
        service: 'demo/catalog',
        backend: 'demo/catalog-v2',
        route: 'items',
        upstream: '10.0.0.7:8080',
        retries: 2,
        fault: '',
        error: '',
        trace_id: T,
        source: 'demo/web',
        request_bytes: 3,
        response_bytes: 5,
      },
    ]);
  });

  it('gRPC status from the trailers, fault and error code from the answer, inbound source identity', async () => {
    const { sink, run } = setup(1, 'inbound');
    const ctx = callCtx({ sourceIdentity: 'spiffe://cluster.local/ns/demo/sa/web' });
    await run(async (_r, c) => {
      c.notes.push('fault:abort:demo/chaos');
      return {
        ...response(200, { 'x-weft-error': 'CIRCUIT_OPEN' }),
        trailers: Promise.resolve({ 'grpc-status': '14' }),
      };
    })(request(), ctx);
    await new Promise((r) => setImmediate(r));
    expect(sink.entries[0]).toMatchObject({
      direction: 'inbound',
      grpc_status: '14',
      fault: 'abort:demo/chaos',
      error: 'CIRCUIT_OPEN',
      source: 'spiffe://cluster.local/ns/demo/sa/web',
      trace_id: '',
    });
  });

  it('samples with the injected random: ratio 0.25 logs about a quarter of 2,000 requests', async () => {
    const { sink, run } = setup(0.25);
    const h = run(async () => response(204));
    let untouched = 0;
    for (let i = 0; i < 2_000; i++) {
      const ctx = callCtx();
      await h(request(), ctx);
      if (ctx.keepNotes === undefined) untouched++;
    }
    expect(sink.entries.length).toBeGreaterThan(400);
    expect(sink.entries.length).toBeLessThan(600);
    expect(untouched + sink.entries.length).toBe(2_000); // unsampled requests are left alone
  });
});
