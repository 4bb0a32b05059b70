// Header hygiene at the transport edges: hop-by-hop headers never cross a hop, and HTTP/2
// pseudo-headers become MeshRequest fields, so layers see one clean lower-case HeaderMap.
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderMap } from '../stack/types.ts';

/** RFC 9110 §7.6.1 connection-specific headers; HTTP/2 forbids them outright (RFC 9113 §8.2.2). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);

const connectionTokens = (value: string | string[] | undefined): string[] => {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.split(',').map((t) => t.trim().toLowerCase());
};

/**
 * End-to-end headers of a request or response as received by node:http or node:http2.
 * `te` survives only as "trailers" (gRPC needs it; HTTP/2 allows nothing else).
 */
export const endToEndHeaders = (raw: IncomingHttpHeaders): HeaderMap => {
  const named = connectionTokens(raw.connection);
  const out: HeaderMap = {};
  for (const name in raw) {
    if (name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name)) continue;
    if (named.length > 0 && named.includes(name)) continue;
    const value = raw[name];
    if (name === 'te') {
      if (connectionTokens(value).includes('trailers')) out.te = 'trailers';
      continue;
    }
    out[name] = value;
  }
  return out;
};
