// The one place a thrown failure becomes an answer: HTTP status + `x-weft-error: <code>`, or a
// gRPC trailers-only response (grpc-status / grpc-message) for gRPC callers. Codes and their
// statuses are documented in docs/errors.md. Also emits ctx.notes for `x-weft-debug: 1` callers.
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { isMeshError, MeshError, type MeshErrorCode } from '../stack/errors.ts';
import { isGrpc, trailersOnly } from '../stack/grpc.ts';
import type { CallCtx, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { isDebug } from './policy-deps.ts';

export const ERROR_HEADER = 'x-weft-error';
export const NOTES_HEADER = 'x-weft-notes';

export const HTTP_STATUS: Readonly<Record<MeshErrorCode, number>> = {
  NO_ROUTE: 404,
  NO_ENDPOINTS: 503,
  CONNECT_FAILED: 503,
  UPSTREAM_RESET: 502,
  REFUSED_STREAM: 503,
  REQUEST_TIMEOUT: 504,
  PER_TRY_TIMEOUT: 504,
  CIRCUIT_OPEN: 503,
  RETRY_BUDGET_EXHAUSTED: 503,
  FORBIDDEN: 403,
  PEER_IDENTITY_MISMATCH: 503,
  INTERNAL: 500,
};

const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

export const GRPC_STATUS: Readonly<Record<MeshErrorCode, number>> = {
  NO_ROUTE: UNIMPLEMENTED,
  NO_ENDPOINTS: UNAVAILABLE,
  CONNECT_FAILED: UNAVAILABLE,
  UPSTREAM_RESET: UNAVAILABLE,
  REFUSED_STREAM: UNAVAILABLE,
  REQUEST_TIMEOUT: DEADLINE_EXCEEDED,
  PER_TRY_TIMEOUT: DEADLINE_EXCEEDED,
  CIRCUIT_OPEN: UNAVAILABLE,
  RETRY_BUDGET_EXHAUSTED: UNAVAILABLE,
  FORBIDDEN: 7, // PERMISSION_DENIED
  PEER_IDENTITY_MISMATCH: UNAVAILABLE,
  INTERNAL: 13,
};

export const errorResponse = (e: MeshError, req: MeshRequest): MeshResponse => {
  if (isGrpc(req.headers))
    return trailersOnly(GRPC_STATUS[e.code], `${e.code}: ${e.reason}`, {
      ...e.headers,
      [ERROR_HEADER]: e.code,
    });
  const text = Buffer.from(`${e.code}: ${e.reason}\n`);
  return {
    status: HTTP_STATUS[e.code],
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(text.length),
      ...e.headers,
      [ERROR_HEADER]: e.code,
    },
    body: req.method === 'HEAD' ? null : Readable.from([text]),
  };
};

const withNotes = (res: MeshResponse, req: MeshRequest, ctx: CallCtx): MeshResponse =>
  ctx.notes.length > 0 && isDebug(req)
    ? { ...res, headers: { ...res.headers, [NOTES_HEADER]: ctx.notes.join(' ') } }
    : res;

export const errorResponseLayer =
  (logger?: Logger): Layer =>
  (next) =>
  async (req, ctx) => {
    try {
      return withNotes(await next(req, ctx), req, ctx);
    } catch (thrown) {
      const e = isMeshError(thrown)
        ? thrown
        : new MeshError('INTERNAL', 'unexpected failure', { cause: thrown });
      if (e.code === 'INTERNAL') logger?.error({ err: thrown }, 'request failed inside the sidecar');
      else logger?.debug({ code: e.code, reason: e.reason }, 'request failed');
      return withNotes(errorResponse(e, req), req, ctx);
    }
  };
