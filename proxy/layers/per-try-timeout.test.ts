import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { isMeshError } from '../stack/errors.ts';
import { perTryTimeoutLayer } from './per-try-timeout.ts';
import { callCtx, hanging, rejection, request, response, stub } from './policy-testkit.ts';

const code = (e: unknown): string | undefined => (isMeshError(e) ? e.code : undefined);

describe('per-try timeout', () => {
  it('times response headers only, with a retryable PER_TRY_TIMEOUT', async () => {
    const clock = new ManualClock();
    const layer = perTryTimeoutLayer({ perTryTimeoutMs: 100 }, { clock });
    const p = rejection(layer(hanging())(request(), callCtx({ attempt: 1 })));
    clock.advance(100);
    const e = await p;
    expect(code(e)).toBe('PER_TRY_TIMEOUT');
    expect((e as Error).message).toContain('try 2');

    const body = new PassThrough();
    const res = await layer(stub(async () => response(200, {}, body)))(request(), callCtx());
    clock.advance(10_000);
    expect(res.body?.destroyed).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });
});
