// Dispatch of a resource request to its verb, with the real server's answers for what is not
// served: unknown subresources are 404, verbs a kind lacks are 405.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-io.ts';
import { getOne, isWatch, list, watch } from './rest-read.ts';
import type { ResourceRequest, RestContext } from './rest-context.ts';
import { create, patch, remove, removeCollection, update, type WriteResult } from './rest-write.ts';
import { ApiError } from './status.ts';
import type { Json } from './types.ts';

const notAllowed = (method: string, r: ResourceRequest): ApiError =>
  new ApiError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method} ${r.type.plural})`,
  );

const notServed = (): ApiError =>
  new ApiError('NotFound', 'the server could not find the requested resource');

type Verb = (
  ctx: RestContext,
  r: ResourceRequest,
  req: IncomingMessage,
) => Promise<WriteResult> | WriteResult;

const read: Verb = (ctx, r) => ({
  code: 200,
  body: (r.name ? getOne(ctx, r) : list(ctx, r)) as unknown as Json,
});

const ITEM_VERBS: Readonly<Record<string, Verb>> = { GET: read, PUT: update, PATCH: patch, DELETE: remove };
const COLLECTION_VERBS: Readonly<Record<string, Verb>> = {
  GET: read,
  POST: create,
  DELETE: removeCollection,
};

export const handleResource = async (
  ctx: RestContext,
  r: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> => {
  const method = req.method ?? 'GET';
  if (r.subresource !== undefined && !(r.subresource === 'status' && r.type.statusSubresource))
    throw notServed();
  if (r.type.virtual && !(method === 'POST' && r.name === undefined)) throw notAllowed(method, r);
  if (method === 'GET' && r.name === undefined && isWatch(r.query)) {
    watch(ctx, r, req, res);
    return;
  }
  const verb = (r.name === undefined ? COLLECTION_VERBS : ITEM_VERBS)[method];
  if (!verb || (r.subresource && method === 'DELETE')) throw notAllowed(method, r);
  const result = await verb(ctx, r, req);
  sendJson(res, result.code, result.body);
};
