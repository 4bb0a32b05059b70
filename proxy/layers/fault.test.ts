import { text } from 'node:stream/consumers';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { FaultView } from '../../api/model/policy.ts';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { grpcStatusForHttp, httpStatusForGrpc } from '../stack/grpc.ts';
import { faultLayer } from './fault.ts';
import { policyMetrics } from './policy-metrics.ts';
import { callCtx, drive, flush, request, response, stub } from './policy-testkit.ts';

const setup = (faults: FaultView[], seed = 5) => {
  const clock = new ManualClock();
  const registry = new Registry();
  const metrics = policyMetrics(registry).forService('demo/catalog');
  const layer = faultLayer(faults, { clock, random: seededRandom(seed), metrics });
  const backend = stub(async () => response(200));
  return { clock, registry, layer, backend, h: layer(backend) };
};

describe('fault injection', () => {
  it('aborts 20 % and delays 30 % (100 ms) of 10,000 requests within ±2 pp', async () => {
    const n = 10_000;
    const { clock, registry, layer, h } = setup([
      { name: 'demo/chaos', delay: { fixedMs: 100, percent: 30 }, abort: { httpStatus: 503, percent: 20 } },
    ]);
    let aborted = 0;
    let slow = 0;
    let longest = 0;
    for (let i = 0; i < n; i++) {
      const start = clock.now();
      const res = await drive(clock, h(request(), callCtx()), 100);
      if (res.headers['x-weft-fault'] === 'abort') aborted++;
      const took = clock.now() - start;
      if (took >= 100) slow++;
      longest = Math.max(longest, took);
    }
    expect(longest).toBeLessThanOrEqual(110); // delay applied = 100 ms (+ ≤ 10 ms)
    // σ of a share over 10,000 draws: √(0.2·0.8/n) = 0.4 pp and √(0.3·0.7/n) = 0.46 pp; ±2 pp is > 4σ.
    expect(Math.abs(aborted / n - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(slow / n - 0.3)).toBeLessThan(0.02);
    expect(layer.faultStats()).toEqual({ 'demo/chaos': { delayed: slow, aborted } });
    const text = await registry.metrics();
    expect(text).toContain(
      `weft_faults_injected_total{service="demo/catalog",fault="demo/chaos",kind="abort"} ${aborted}`,
    );
    expect(text).toContain(
      `weft_faults_injected_total{service="demo/catalog",fault="demo/chaos",kind="delay"} ${slow}`,
    );
  });

  it('delays by exactly fixedMs on the manual clock before calling the backend', async () => {
    const { clock, h, backend } = setup([{ name: 'demo/slow', delay: { fixedMs: 100, percent: 100 } }]);
    let done = false;
    const p = h(request(), callCtx()).then((r) => ((done = true), r));
    clock.advance(99);
    await flush();
    expect(done).toBe(false);
    expect(backend.calls).toBe(0);
    clock.advance(1); // 100 ms (the ≤ 10 ms slack of the spec is not even needed on a manual clock)
    expect((await p).status).toBe(200);
    expect(backend.calls).toBe(1);
  });

  it('answers an HTTP abort with the status and x-weft-fault: abort, never calling the backend', async () => {
    const { h, backend } = setup([{ name: 'demo/fail', abort: { httpStatus: 418, percent: 100 } }]);
    const ctx = callCtx();
    const res = await h(request({ headers: { 'x-weft-debug': '1' } }), ctx);
    expect(res.status).toBe(418);
    expect(res.headers['x-weft-fault']).toBe('abort');
    expect(await text(res.body!)).toContain('demo/fail');
    expect(backend.calls).toBe(0);
    expect(ctx.notes).toEqual(['fault:abort:demo/fail']);
  });

  it('answers a gRPC abort as trailers-only: HTTP 200, grpc-status and grpc-message headers, no body', async () => {
    const { h } = setup([{ name: 'demo/grpc', abort: { grpcStatus: 14, percent: 100 } }]);
    const res = await h(
      request({ protocol: 'h2', method: 'POST', headers: { 'content-type': 'application/grpc' } }),
      callCtx(),
    );
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'application/grpc',
      'grpc-status': '14',
      'grpc-message': expect.stringContaining('demo/grpc'),
    });
    expect(res.body).toBeNull();
  });

  it.each([
    [400, 13],
    [401, 16],
    [403, 7],
    [404, 12],
    [429, 14],
    [503, 14],
    [500, 2],
  ])('maps an HTTP abort %i of a gRPC call to grpc-status %i', (http, grpc) => {
    expect(grpcStatusForHttp(http)).toBe(grpc);
  });

  it.each([
    [14, 503],
    [4, 504],
    [8, 429],
    [13, 500],
  ])('answers a plain HTTP request to a grpcStatus %i abort with HTTP %i', async (grpc, http) => {
    expect(httpStatusForGrpc(grpc)).toBe(http);
    const { h } = setup([{ name: 'demo/g', abort: { grpcStatus: grpc, percent: 100 } }]);
    expect((await h(request(), callCtx())).status).toBe(http);
  });

  it('stops injecting once the experiment ended (endsAtMs 5 s ahead)', async () => {
    const clock = new ManualClock();
    const fault: FaultView = {
      name: 'demo/short',
      abort: { httpStatus: 500, percent: 100 },
      endsAtMs: clock.wallNow() + 5000,
    };
    const h = faultLayer([fault], { clock, random: seededRandom(1) })(async () => response(200));
    expect((await h(request(), callCtx())).status).toBe(500);
    clock.advance(4999);
    expect((await h(request(), callCtx())).status).toBe(500);
    clock.advance(1);
    expect((await h(request(), callCtx())).status).toBe(200);
  });

  it('applies only to the listed source service accounts', async () => {
    const { h } = setup([
      { name: 'demo/src', sources: ['demo/web'], abort: { httpStatus: 500, percent: 100 } },
    ]);
    const status = async (sa?: string) => (await h(request(), callCtx({ sourceServiceAccount: sa }))).status;
    expect(await status('demo/web')).toBe(500);
    expect(await status('demo/other')).toBe(200);
    expect(await status(undefined)).toBe(200);
  });

  it('applies only to requests matching path, method and headers', async () => {
    const { h } = setup([
      {
        name: 'demo/match',
        match: { pathRegex: '/api/.*', methods: ['GET'], headers: { 'x-canary': 'yes|true' } },
        abort: { httpStatus: 500, percent: 100 },
      },
    ]);
    const status = async (path: string, method: string, canary?: string) =>
      (await h(request({ path, method, headers: canary ? { 'x-canary': canary } : {} }), callCtx())).status;
    expect(await status('/api/items?x=1', 'GET', 'yes')).toBe(500);
    expect(await status('/api/items', 'GET', 'true')).toBe(500);
    expect(await status('/web/api/items', 'GET', 'yes')).toBe(200); // the regex matches the whole path
    expect(await status('/api/items', 'POST', 'yes')).toBe(200);
    expect(await status('/api/items', 'GET', 'yess')).toBe(200);
    expect(await status('/api/items', 'GET')).toBe(200);
  });

  it('uses the first live matching fault and counts each fault separately', async () => {
    const clock = new ManualClock();
    const faults: FaultView[] = [
      { name: 'demo/over', abort: { httpStatus: 500, percent: 100 }, endsAtMs: clock.wallNow() },
      { name: 'demo/post', match: { methods: ['POST'] }, abort: { httpStatus: 502, percent: 100 } },
      { name: 'demo/all', abort: { httpStatus: 503, percent: 100 } },
    ];
    const layer = faultLayer(faults, { clock, random: seededRandom(1) });
    const h = layer(async () => response(200));
    expect((await h(request({ method: 'POST' }), callCtx())).status).toBe(502);
    expect((await h(request(), callCtx())).status).toBe(503);
    expect(layer.faultStats()).toEqual({
      'demo/over': { delayed: 0, aborted: 0 },
      'demo/post': { delayed: 0, aborted: 1 },
      'demo/all': { delayed: 0, aborted: 1 },
    });
  });
});
