// Reading request bodies and writing JSON responses, including the Status body for errors, so every
// handler answers in the same shape as the real API server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, isApiError, statusBody } from './status.ts';
import type { Json } from './types.ts';

const MAX_BODY = 3 * 1024 * 1024; // the real server's request size limit is about 3 MiB

export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError('BadRequest', 'the request body is too large', undefined, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

export const readJson = async (req: IncomingMessage): Promise<Json> => {
  const text = await readBody(req);
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
};

export const sendJson = (res: ServerResponse, code: number, body: Json): void => {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

export const sendError = (res: ServerResponse, e: unknown): void => {
  const err = isApiError(e)
    ? e
    : new ApiError('InternalError', `internal error: ${(e as Error)?.message ?? String(e)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, statusBody(err));
};
