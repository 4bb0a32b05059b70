import { describe, expect, it } from 'vitest';
import { parsePreamble, preamble, startsLikeTunnel } from './tcp-preamble.ts';

describe('tunnel preamble', () => {
  it('round-trips a port and leaves the bytes after it', () => {
    const p = parsePreamble(Buffer.concat([preamble(7000), Buffer.from('hello')]));
    expect(p).toEqual({ state: 'done', port: 7000, rest: Buffer.from('hello') });
  });

  it.each([
    ['weft-tcp/1 80', 'incomplete'],
    ['weft-tc', 'incomplete'],
    ['weft-tcp/1 0\n', 'invalid'],
    ['weft-tcp/1 65536\n', 'invalid'],
    ['weft-tcp/1 8x\n', 'invalid'],
    ['weft-tcp/1 123456', 'invalid'],
    ['GET / HTTP/1.1\r\n', 'invalid'],
    ['weft-tcp/2 80\n', 'invalid'],
  ])('%j → %s', (text, state) => expect(parsePreamble(Buffer.from(text)).state).toBe(state));

  it.each([
    ['w', true],
    ['weft-tcp/1 9', true],
    ['wx', false],
    ['GET', false],
    ['', false],
  ])('startsLikeTunnel(%j) = %s', (text, expected) =>
    expect(startsLikeTunnel(Buffer.from(text))).toBe(expected),
  );
});
