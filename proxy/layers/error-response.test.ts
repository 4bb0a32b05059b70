import { describe, expect, it } from 'vitest';
import { MeshError, type MeshErrorCode } from '../stack/errors.ts';
import type { Readable } from 'node:stream';
import { SIDECAR_ERRORS } from '../../api/model/errors.ts';
import { errorResponseLayer } from './error-response.ts';
import { callCtx, request, response } from './policy-testkit.ts';

const text = async (b: Readable | null): Promise<string> => {
  let s = '';
  for await (const c of b ?? []) s += String(c);
  return s;
};
const failing = (e: unknown) => errorResponseLayer()(() => Promise.reject(e));

describe('errorResponseLayer', () => {
  it.each((Object.keys(SIDECAR_ERRORS) as MeshErrorCode[]).map((c) => [c]))(
    '%s → HTTP status + x-weft-error',
    async (code) => {
      const r = await failing(new MeshError(code, 'because'))(request(), callCtx());
      expect(r.status).toBe(SIDECAR_ERRORS[code].http);
      expect([502, 503, 504, 403, 404, 500]).toContain(r.status);
      expect(r.headers['x-weft-error']).toBe(code);
      expect(await text(r.body)).toBe(`${code}: because\n`);
    },
  );

  it('answers gRPC callers trailers-only with grpc-status and an encoded grpc-message', async () => {
    const req = request({
      protocol: 'h2',
      method: 'POST',
      headers: { 'content-type': 'application/grpc+proto' },
    });
    const r = await failing(new MeshError('REQUEST_TIMEOUT', 'took 100% too long'))(req, callCtx());
    expect(r.status).toBe(200);
    expect(r.body).toBeNull();
    expect(r.headers['grpc-status']).toBe('4');
    expect(decodeURIComponent(r.headers['grpc-message'] as string)).toBe(
      'REQUEST_TIMEOUT: took 100% too long',
    );
  });

  it('turns anything else into INTERNAL 500', async () => {
    const r = await failing(new TypeError('bug'))(request(), callCtx());
    expect([r.status, r.headers['x-weft-error']]).toEqual([500, 'INTERNAL']);
  });

  it('passes answers through and adds notes only for x-weft-debug callers', async () => {
    const noted = errorResponseLayer()(async (_r, ctx) => {
      ctx.notes.push('split:demo/v2');
      return response(201, { a: '1' });
    });
    expect((await noted(request(), callCtx())).headers).toEqual({ a: '1' });
    const dbg = await noted(request({ headers: { 'x-weft-debug': '1' } }), callCtx());
    expect(dbg.headers).toEqual({ a: '1', 'x-weft-notes': 'split:demo/v2' });
  });
});
