// Trace context on the wire: W3C `traceparent` and Zipkin B3 (single `b3` and multi `x-b3-*`)
// parsed from a request's headers and written back for the next hop. Pure string work; the
// tracing layer (proxy/layers/tracing.ts) and the access log use it.
import type { HeaderMap } from '../stack/types.ts';

/** A remote span context: lower-case hex ids (trace 32 chars, span 16 chars). */
export interface WireContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

/** Which B3 form the request carried, so the forwarded request gets the same form back. */
export type B3Form = 'single' | 'multi';

export interface IncomingTrace {
  readonly parent?: WireContext;
  readonly b3?: B3Form;
  /** B3 allows 64-bit trace ids; ids are widened to 128 bits inside and narrowed again on the way out. */
  readonly b3Short?: boolean;
}

const HEX_32 = /^[0-9a-f]{32}$/u;
const HEX_16 = /^[0-9a-f]{16}$/u;
const ZERO_32 = '0'.repeat(32);
const ZERO_16 = '0'.repeat(16);

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const validIds = (traceId: string, spanId: string): boolean =>
  HEX_32.test(traceId) && HEX_16.test(spanId) && traceId !== ZERO_32 && spanId !== ZERO_16;

/** `00-<trace-id>-<parent-id>-<flags>`; later versions may append fields (W3C Trace Context §3.2.4). */
export const parseTraceparent = (value: string | undefined): WireContext | undefined => {
  if (value === undefined || value.length < 55) return undefined;
  const v = value.trim().toLowerCase();
  const version = v.slice(0, 2);
  if (version === 'ff' || !/^[0-9a-f]{2}$/u.test(version)) return undefined;
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return undefined;
  if (version === '00' && v.length !== 55) return undefined;
  if (v.length > 55 && v[55] !== '-') return undefined;
  const traceId = v.slice(3, 35);
  const spanId = v.slice(36, 52);
  const flags = Number.parseInt(v.slice(53, 55), 16);
  if (!validIds(traceId, spanId) || Number.isNaN(flags)) return undefined;
  return { traceId, spanId, sampled: (flags & 1) === 1 };
};

export const formatTraceparent = (c: WireContext): string =>
  `00-${c.traceId}-${c.spanId}-${c.sampled ? '01' : '00'}`;

const widen = (traceId: string): string => (traceId.length === 16 ? ZERO_16 + traceId : traceId);

/** B3 sampling state: `1`/`d` (debug) sample, `0` denies, absent defers (we treat as sampled). */
const b3Sampled = (v: string | undefined): boolean => v !== '0' && v !== 'false';

/** `{trace}-{span}[-{sampling}[-{parent}]]`; a lone sampling flag carries no context. */
export const parseB3Single = (value: string | undefined): WireContext | undefined => {
  if (value === undefined) return undefined;
  const [trace, span, sampling] = value.trim().toLowerCase().split('-');
  if (trace === undefined || span === undefined) return undefined;
  const traceId = widen(trace);
  return validIds(traceId, span) ? { traceId, spanId: span, sampled: b3Sampled(sampling) } : undefined;
};

const parseB3Multi = (h: HeaderMap): WireContext | undefined => {
  const trace = first(h['x-b3-traceid'])?.trim().toLowerCase();
  const span = first(h['x-b3-spanid'])?.trim().toLowerCase();
  if (trace === undefined || span === undefined) return undefined;
  const traceId = widen(trace);
  const debug = first(h['x-b3-flags']) === '1';
  const sampled = debug || b3Sampled(first(h['x-b3-sampled'])?.trim());
  return validIds(traceId, span) ? { traceId, spanId: span, sampled } : undefined;
};

/**
 * The caller's context: `traceparent` wins, then `b3`, then `x-b3-*`. The B3 form is remembered
 * even when traceparent won, so the next hop's B3-only apps still see their headers updated.
 */
export const incomingTrace = (h: HeaderMap): IncomingTrace => {
  const single = first(h.b3);
  const multi = h['x-b3-traceid'] !== undefined;
  const b3: B3Form | undefined = single !== undefined ? 'single' : multi ? 'multi' : undefined;
  const fromB3 = b3 === 'single' ? parseB3Single(single) : b3 === 'multi' ? parseB3Multi(h) : undefined;
  const short = b3 === 'single' ? single?.indexOf('-') === 16 : first(h['x-b3-traceid'])?.length === 16;
  const parent = parseTraceparent(first(h.traceparent)) ?? fromB3;
  return { ...(parent ? { parent } : {}), ...(b3 ? { b3, b3Short: short } : {}) };
};

/** The trace id a request carries (traceparent, then B3), for the access log; '' when none. */
export const traceIdOf = (h: HeaderMap): string => {
  const tp = first(h.traceparent);
  if (tp !== undefined) return parseTraceparent(tp)?.traceId ?? '';
  const single = first(h.b3);
  if (single !== undefined) return parseB3Single(single)?.traceId ?? '';
  const multi = first(h['x-b3-traceid'])?.trim().toLowerCase();
  return multi !== undefined && (HEX_16.test(multi) || HEX_32.test(multi)) ? widen(multi) : '';
};

/**
 * Headers for the next hop: `traceparent` always (tracestate travels unchanged with the other
 * headers), B3 in the form the caller used. Returns a new map; the caller's is not touched.
 */
export const withTraceHeaders = (h: HeaderMap, c: WireContext, incoming: IncomingTrace): HeaderMap => {
  const out: HeaderMap = { ...h, traceparent: formatTraceparent(c) };
  if (incoming.b3 === undefined) return out;
  const traceId = incoming.b3Short ? c.traceId.slice(16) : c.traceId;
  if (incoming.b3 === 'single') {
    out.b3 = `${traceId}-${c.spanId}-${c.sampled ? '1' : '0'}`;
    return out;
  }
  out['x-b3-traceid'] = traceId;
  out['x-b3-spanid'] = c.spanId;
  out['x-b3-sampled'] = c.sampled ? '1' : '0';
  if (incoming.parent) out['x-b3-parentspanid'] = incoming.parent.spanId;
  return out;
};
