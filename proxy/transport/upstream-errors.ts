// Maps what sockets and node:http/http2 throw on an upstream hop to the mesh's error codes,
// by error code only (never message text), so retries and error responses can branch on them.
import { MeshError } from '../stack/errors.ts';
import { dialTimeoutOf } from './dial-deadline.ts';
import { PEER_IDENTITY_MISMATCH } from './peer-identity.ts';

/** A request found every connection to its endpoint busy and the endpoint's wait queue full. */
export const POOL_OVERFLOW = 'ERR_WEFT_POOL_OVERFLOW';

/** Failures that happen before a connection exists: nothing was sent, any retry is safe. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
]);

/** Certificate verification failures reported by OpenSSL through node:tls. */
const isTlsFailure = (code: string): boolean =>
  code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT');

const codeOf = (err: unknown): string => {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : '';
};

export interface HopFailure {
  readonly err: unknown;
  /** The hop's connection was established (TLS done) before the failure. */
  readonly connected: boolean;
  /** HTTP/2 RST_STREAM code of the failed stream, when there is one. */
  readonly rstCode?: number;
}

const NGHTTP2_REFUSED_STREAM = 7;

export const toMeshError = (f: HopFailure, endpoint: string): MeshError => {
  const code = codeOf(f.err);
  const opts = { cause: f.err };
  const timeout = dialTimeoutOf(f.err);
  if (timeout)
    // Counts as a connect failure: retried on connect-failure, and a gateway error for ejection.
    return new MeshError(
      'CONNECT_FAILED',
      `${timeout.phase === 'connect' ? 'connect to' : 'TLS handshake with'} ${endpoint} timed out after ${timeout.timeoutMs} ms`,
      opts,
    );
  if (code === POOL_OVERFLOW)
    return new MeshError('CIRCUIT_OPEN', `${endpoint}: ${(f.err as Error).message}`, opts);
  if (code === PEER_IDENTITY_MISMATCH)
    return new MeshError('PEER_IDENTITY_MISMATCH', `${endpoint}: ${(f.err as Error).message}`, opts);
  if (f.rstCode === NGHTTP2_REFUSED_STREAM || code === 'ERR_HTTP2_GOAWAY_SESSION')
    return new MeshError('REFUSED_STREAM', `${endpoint} refused the stream`, opts);
  if (!f.connected || CONNECT_CODES.has(code) || isTlsFailure(code))
    return new MeshError('CONNECT_FAILED', `connect to ${endpoint} failed (${code || 'closed'})`, opts);
  return new MeshError('UPSTREAM_RESET', `${endpoint} reset the request (${code || 'closed'})`, opts);
};
