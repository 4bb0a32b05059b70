import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { isMeshError } from '../stack/errors.ts';
import { callCtx, flush, hanging, rejection, request, response } from './policy-testkit.ts';
import { timeoutLayer } from './timeout.ts';

const code = (e: unknown): string | undefined => (isMeshError(e) ? e.code : undefined);

describe('request timeout', () => {
  it('fails with REQUEST_TIMEOUT exactly at the deadline and aborts the inner call', async () => {
    const clock = new ManualClock();
    const backend = hanging();
    let inner: AbortSignal | undefined;
    const h = timeoutLayer(
      { timeoutMs: 1000 },
      { clock },
    )((req, ctx) => {
      inner = ctx.signal;
      return backend(req, ctx);
    });
    const ctx = callCtx();
    let settled = false;
    const p = rejection(h(request({ headers: { 'x-weft-debug': '1' } }), ctx)).finally(
      () => (settled = true),
    );
    clock.advance(999);
    await flush();
    expect(settled).toBe(false);
    expect(inner?.aborted).toBe(false);
    clock.advance(1);
    expect(code(await p)).toBe('REQUEST_TIMEOUT');
    expect(inner?.aborted).toBe(true);
    expect(code(inner?.reason)).toBe('REQUEST_TIMEOUT');
    expect(ctx.signal.aborted).toBe(false); // only the child signal is aborted
    expect(ctx.notes).toEqual(['timeout:request:1000ms']);
  });

  it('also bounds the response body: a stalled body is destroyed with REQUEST_TIMEOUT', async () => {
    const clock = new ManualClock();
    const body = new PassThrough();
    const h = timeoutLayer({ timeoutMs: 500 }, { clock })(async () => response(200, {}, body));
    const res = await h(request(), callCtx());
    const failed = new Promise<unknown>((resolve) => body.on('error', resolve));
    clock.advance(500);
    expect(code(await failed)).toBe('REQUEST_TIMEOUT');
    expect(res.body?.destroyed).toBe(true);
  });

  it('clears its timer once the body ended and passes the caller abort through', async () => {
    const clock = new ManualClock();
    const h = timeoutLayer({ timeoutMs: 500 }, { clock })(async () => response(204));
    await h(request(), callCtx());
    expect(clock.pendingTimers()).toBe(0);

    const ac = new AbortController();
    const backend = hanging();
    const p = rejection(
      timeoutLayer({ timeoutMs: 500 }, { clock })(backend)(request(), callCtx({ signal: ac.signal })),
    );
    ac.abort(new Error('caller left'));
    expect(((await p) as Error).message).toBe('caller left');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('clears its timer when the inner handler throws synchronously', async () => {
    const clock = new ManualClock();
    const h = timeoutLayer(
      { timeoutMs: 500 },
      { clock },
    )(() => {
      throw new Error('sync');
    });
    expect(((await rejection(h(request(), callCtx()))) as Error).message).toBe('sync');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('hands the backend and endpoint chosen below it back to the layers above (metrics)', async () => {
    const clock = new ManualClock();
    const backend = { ...callCtx().service, name: 'canary' };
    const endpoint = { address: '10.0.0.9', port: 8080 };
    const h = timeoutLayer(
      { timeoutMs: 500 },
      { clock },
    )(async (_req, c) => {
      c.backend = backend;
      c.endpoint = endpoint;
      c.route = 'checkout';
      return response(200);
    });
    const outer = callCtx();
    await h(request(), outer);
    expect(outer.backend).toBe(backend);
    expect(outer.endpoint).toBe(endpoint);
    expect(outer.route).toBe('checkout');
  });
});
