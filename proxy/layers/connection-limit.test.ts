import { describe, expect, it } from 'vitest';
import { isMeshError } from '../stack/errors.ts';
import type { MeshResponse } from '../stack/types.ts';
import { circuitBreaker } from './concurrency-limit.ts';
import { callCtx, flush, rejection, request, response, stub } from './policy-testkit.ts';

const breaker = () =>
  circuitBreaker({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 100, maxRetries: 1 }, {});

describe('connection limit (maxConnections / maxPendingRequests)', () => {
  it('queues over maxConnections, fails fast over maxPendingRequests, hands freed units in order', async () => {
    const waiting: ((r: MeshResponse) => void)[] = [];
    const backend = stub(() => new Promise<MeshResponse>((resolve) => waiting.push(resolve)));
    const h = breaker().connectionLayer(backend);
    const first = h(request(), callCtx());
    const second = h(request(), callCtx());
    const refused = await rejection(h(request(), callCtx()));
    expect(isMeshError(refused) && refused.code).toBe('CIRCUIT_OPEN');
    expect(String((refused as Error).message)).toContain('maxPendingRequests');
    await flush();
    expect(backend.calls).toBe(1);
    waiting.shift()?.(response(200));
    expect((await first).status).toBe(200);
    await flush();
    expect(backend.calls).toBe(2);
    waiting.shift()?.(response(201));
    expect((await second).status).toBe(201);
  });

  it('an aborted waiter leaves the queue and frees its pending slot; h2 is not limited', async () => {
    const waiting: ((r: MeshResponse) => void)[] = [];
    const backend = stub(() => new Promise<MeshResponse>((resolve) => waiting.push(resolve)));
    const h = breaker().connectionLayer(backend);
    const first = h(request(), callCtx());
    const abort = new AbortController();
    const pending = h(request(), callCtx({ signal: abort.signal }));
    abort.abort(new Error('caller left'));
    expect(String(await rejection(pending))).toContain('caller left');
    const h2 = h(request({ protocol: 'h2' }), callCtx());
    await flush();
    expect(backend.calls).toBe(2); // the h2 call passed straight through
    const next = h(request(), callCtx()); // takes the freed pending slot
    await flush();
    waiting.shift()?.(response(200));
    waiting.shift()?.(response(200));
    await Promise.all([first, h2]);
    await flush();
    expect(backend.calls).toBe(3);
    waiting.shift()?.(response(202));
    expect((await next).status).toBe(202);
  });
});
