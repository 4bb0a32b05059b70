import { describe, expect, it } from 'vitest';
import { endToEndHeaders } from './headers.ts';

describe('endToEndHeaders', () => {
  it('drops hop-by-hop headers, those named in Connection, and pseudo-headers', () => {
    expect(
      endToEndHeaders({
        ':path': '/x',
        host: 'a',
        connection: 'keep-alive, X-Private',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        'x-private': 'secret',
        'x-kept': 'yes',
        'set-cookie': ['a=1', 'b=2'],
      }),
    ).toEqual({ 'x-kept': 'yes', 'set-cookie': ['a=1', 'b=2'] });
  });
  it.each([
    ['trailers', { te: 'trailers' }],
    ['gzip, trailers', { te: 'trailers' }],
    ['gzip', {}],
  ])('keeps te only as "trailers" (%s)', (te, expected) => expect(endToEndHeaders({ te })).toEqual(expected));
});
