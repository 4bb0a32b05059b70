import { describe, expect, it } from 'vitest';
import {
  formatTraceparent,
  incomingTrace,
  parseB3Single,
  parseTraceparent,
  traceIdOf,
  withTraceHeaders,
} from './trace-context.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';
const NEXT = { traceId: T, spanId: 'b7ad6b7169203331', sampled: true };

describe('traceparent', () => {
  it.each([
    [`00-${T}-${S}-01`, { traceId: T, spanId: S, sampled: true }],
    [`00-${T}-${S}-00`, { traceId: T, spanId: S, sampled: false }],
    [`00-${T.toUpperCase()}-${S}-01`, { traceId: T, spanId: S, sampled: true }],
    // a later version may carry more fields after the flags
    [`01-${T}-${S}-03-extra`, { traceId: T, spanId: S, sampled: true }],
  ])('parses %s', (v, want) => expect(parseTraceparent(v)).toEqual(want));

  it.each([
    undefined,
    '',
    `ff-${T}-${S}-01`,
    `00-${'0'.repeat(32)}-${S}-01`,
    `00-${T}-${'0'.repeat(16)}-01`,
    `00-${T}-${S}-01-extra`,
    `00-${T}x${S}-01`,
    `00-${T.slice(1)}g-${S}-01`,
  ])('rejects %s', (v) => expect(parseTraceparent(v)).toBeUndefined());

  it('formats what it parses', () => {
    const v = `00-${T}-${S}-01`;
    expect(formatTraceparent(parseTraceparent(v)!)).toBe(v);
  });
});

describe('b3', () => {
  it.each([
    [`${T}-${S}-1`, { traceId: T, spanId: S, sampled: true }],
    [`${T}-${S}-0`, { traceId: T, spanId: S, sampled: false }],
    [`${T}-${S}-d-1111111111111111`, { traceId: T, spanId: S, sampled: true }],
    [`${T}-${S}`, { traceId: T, spanId: S, sampled: true }],
    [`a3ce929d0e0e4736-${S}-1`, { traceId: `0000000000000000a3ce929d0e0e4736`, spanId: S, sampled: true }],
  ])('single %s', (v, want) => expect(parseB3Single(v)).toEqual(want));

  it.each(['0', '1', 'd', `${T}`, `xyz-${S}-1`])('single without context: %s', (v) =>
    expect(parseB3Single(v)).toBeUndefined(),
  );

  it('multi headers, debug flag implies sampled', () => {
    const h = { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '0', 'x-b3-flags': '1' };
    expect(incomingTrace(h)).toEqual({
      parent: { traceId: T, spanId: S, sampled: true },
      b3: 'multi',
      b3Short: false,
    });
  });
});

describe('incomingTrace / traceIdOf', () => {
  it('traceparent wins over b3, the b3 form is remembered', () => {
    const h = { traceparent: `00-${T}-${S}-01`, b3: `${'1'.repeat(32)}-${'2'.repeat(16)}-1` };
    expect(incomingTrace(h)).toEqual({
      parent: { traceId: T, spanId: S, sampled: true },
      b3: 'single',
      b3Short: false,
    });
    expect(traceIdOf(h)).toBe(T);
  });

  it('no trace headers: no parent', () => {
    expect(incomingTrace({ host: 'x' })).toEqual({});
    expect(traceIdOf({ host: 'x' })).toBe('');
  });

  it('trace id from b3 single or multi', () => {
    expect(traceIdOf({ b3: `${T}-${S}-1` })).toBe(T);
    expect(traceIdOf({ 'x-b3-traceid': T })).toBe(T);
    expect(traceIdOf({ 'x-b3-traceid': 'nope' })).toBe('');
  });
});

describe('withTraceHeaders', () => {
  it('writes traceparent only when the caller sent no b3, and keeps tracestate', () => {
    const h = { traceparent: `00-${T}-${S}-01`, tracestate: 'a=1' };
    const out = withTraceHeaders(h, NEXT, incomingTrace(h));
    expect(out).toEqual({ traceparent: `00-${T}-b7ad6b7169203331-01`, tracestate: 'a=1' });
    expect(h.traceparent).toBe(`00-${T}-${S}-01`); // the caller's map is untouched
  });

  it('rewrites b3 single in the same width', () => {
    const short = { b3: `a3ce929d0e0e4736-${S}-1` };
    const ctx = { ...NEXT, traceId: `0000000000000000a3ce929d0e0e4736` };
    expect(withTraceHeaders(short, ctx, incomingTrace(short)).b3).toBe('a3ce929d0e0e4736-b7ad6b7169203331-1');
    const long = { b3: `${T}-${S}-1` };
    expect(withTraceHeaders(long, NEXT, incomingTrace(long)).b3).toBe(`${T}-b7ad6b7169203331-1`);
  });

  it('rewrites b3 multi with the caller span as parent', () => {
    const h = { 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': '1' };
    expect(withTraceHeaders(h, NEXT, incomingTrace(h))).toMatchObject({
      'x-b3-traceid': T,
      'x-b3-spanid': 'b7ad6b7169203331',
      'x-b3-parentspanid': S,
      'x-b3-sampled': '1',
    });
  });
});
