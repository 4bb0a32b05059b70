// The parts of gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md) the sidecar speaks itself: which
// requests are native gRPC calls, the trailers-only answer, and the HTTP ↔ gRPC status mapping
// (grpc/doc/http-grpc-status-mapping.md). Every layer that answers or classifies gRPC uses these.
import { GRPC_STATUS } from '../../api/model/grpc-status.ts';
import type { HeaderMap, MeshResponse } from './types.ts';

/**
 * A native gRPC content-type: `application/grpc` or `application/grpc+<format>`, any case, with
 * or without parameters. gRPC-Web (`application/grpc-web…`) is another protocol and is not one.
 * Content-Type is single-valued, so of repeated values only the first counts (as node:http keeps).
 */
export const isGrpcContentType = (value: string | string[] | undefined): boolean => {
  const first = Array.isArray(value) ? value[0] : value;
  const mediaType = first?.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === 'application/grpc' || (mediaType?.startsWith('application/grpc+') ?? false);
};

export const isGrpc = (headers: HeaderMap): boolean => isGrpcContentType(headers['content-type']);

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%'. */
export const encodeGrpcMessage = (text: string): string =>
  text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));

/**
 * A gRPC answer without a body: HTTP 200 with the status in the response headers, which HTTP/2
 * sends as one HEADERS frame with END_STREAM (proxy/transport/server-h2.ts).
 */
export const trailersOnly = (grpcStatus: number, message: string, headers: HeaderMap = {}): MeshResponse => ({
  status: 200,
  headers: {
    'content-type': 'application/grpc',
    'grpc-status': String(grpcStatus),
    'grpc-message': encodeGrpcMessage(message),
    ...headers,
  },
  body: null,
});

const GRPC_FOR_HTTP: Readonly<Record<number, number>> = {
  400: GRPC_STATUS.INTERNAL,
  401: GRPC_STATUS.UNAUTHENTICATED,
  403: GRPC_STATUS.PERMISSION_DENIED,
  404: GRPC_STATUS.UNIMPLEMENTED,
  429: GRPC_STATUS.UNAVAILABLE,
  502: GRPC_STATUS.UNAVAILABLE,
  503: GRPC_STATUS.UNAVAILABLE,
  504: GRPC_STATUS.UNAVAILABLE,
};

/** gRPC's HTTP → gRPC status mapping, for an HTTP status that must reach a gRPC caller. */
export const grpcStatusForHttp = (status: number): number => GRPC_FOR_HTTP[status] ?? GRPC_STATUS.UNKNOWN;

const HTTP_FOR_GRPC: Readonly<Record<number, number>> = {
  [GRPC_STATUS.DEADLINE_EXCEEDED]: 504,
  [GRPC_STATUS.NOT_FOUND]: 404,
  [GRPC_STATUS.PERMISSION_DENIED]: 403,
  [GRPC_STATUS.RESOURCE_EXHAUSTED]: 429,
  [GRPC_STATUS.UNIMPLEMENTED]: 501,
  [GRPC_STATUS.UNAVAILABLE]: 503,
  [GRPC_STATUS.UNAUTHENTICATED]: 401,
};

/** The nearest HTTP status for a gRPC status that must reach a plain HTTP caller. */
export const httpStatusForGrpc = (code: number): number => HTTP_FOR_GRPC[code] ?? 500;
