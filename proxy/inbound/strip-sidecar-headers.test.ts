import { describe, expect, it } from 'vitest';
import type { MeshRequest } from '../stack/types.ts';
import { withoutSidecarHeaders } from './strip-sidecar-headers.ts';

const req = (headers: MeshRequest['headers']): MeshRequest => ({
  protocol: 'http1',
  method: 'GET',
  authority: 'a',
  path: '/',
  headers,
  body: null,
});

describe('withoutSidecarHeaders', () => {
  it('removes every x-weft-* header and keeps the rest', () => {
    const out = withoutSidecarHeaders(req({ 'x-weft-debug': '1', 'x-weft-fault': 'abort', accept: '*/*' }));
    expect(out.headers).toEqual({ accept: '*/*' });
  });

  it('returns the same request when there is nothing to strip', () => {
    const r = req({ accept: '*/*', 'x-weftish': 'kept' });
    expect(withoutSidecarHeaders(r)).toBe(r);
  });
});
