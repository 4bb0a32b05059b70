// The one place a thrown failure becomes an answer: HTTP status + `x-weft-error: <code>`, or a
// gRPC trailers-only response (grpc-status / grpc-message) for gRPC callers. Codes and their
// statuses come from the error registry (api/model/errors.ts, docs/errors.md). Also emits ctx.notes for `x-weft-debug: 1` callers.
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { SIDECAR_ERRORS } from '../../api/model/errors.ts';
import { isMeshError, MeshError } from '../stack/errors.ts';
import { isGrpc, trailersOnly } from '../stack/grpc.ts';
import type { CallCtx, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { isDebug } from './policy-deps.ts';

export const ERROR_HEADER = 'x-weft-error';
export const NOTES_HEADER = 'x-weft-notes';

export const errorResponse = (e: MeshError, req: MeshRequest): MeshResponse => {
  if (isGrpc(req.headers))
    return trailersOnly(SIDECAR_ERRORS[e.code].grpc, `${e.code}: ${e.reason}`, {
      ...e.headers,
      [ERROR_HEADER]: e.code,
    });
  const text = Buffer.from(`${e.code}: ${e.reason}\n`);
  return {
    status: SIDECAR_ERRORS[e.code].http,
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
