// GET on resources: one object, a list (selectors, limit/continue pagination) or a watch. Objects
// are stored once per kind and served with the apiVersion the URL asked for (conversion "None").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { groupVersion, resourceKey } from './resource-types.ts';
import type { ResourceRequest, RestContext } from './rest-context.ts';
import { matchesFilter, parseFieldSelector, parseLabelSelector, type ObjectFilter } from './selectors.ts';
import { ApiError, badRequest, notFound } from './status.ts';
import type { Json, JsonObject, KubeObject } from './types.ts';

export const filterOf = (r: ResourceRequest): ObjectFilter => ({
  labels: parseLabelSelector(r.query.get('labelSelector')),
  fields: parseFieldSelector(r.query.get('fieldSelector'), r.type.kind),
});

export const asVersion = (r: ResourceRequest, o: KubeObject): KubeObject => ({
  ...o,
  apiVersion: groupVersion(r.type.group, r.version),
});

export const getOne = (ctx: RestContext, r: ResourceRequest): KubeObject => {
  const found = ctx.store.get(resourceKey(r.type), r.namespace, r.name ?? '');
  if (!found) throw notFound(r.type.plural, r.name ?? '', r.type.group);
  return asVersion(r, found);
};

interface ContinueToken {
  readonly rv: number;
  readonly after: string;
}

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. ' +
  'You can start a new list without the continue parameter.';

const decodeContinue = (token: string): ContinueToken => {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof t.rv === 'number' && typeof t.after === 'string') return t;
  } catch {
    // fall through
  }
  throw badRequest('invalid continue token');
};

const sortKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

const positiveInt = (v: string | null, what: string): number | undefined => {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`${what} must be a non-negative integer (got "${v}")`);
  return n;
};

/** Older than the kept history and asked for exactly: the real server answers 410 too. */
const checkListResourceVersion = (ctx: RestContext, r: ResourceRequest): void => {
  const rv = positiveInt(r.query.get('resourceVersion'), 'resourceVersion');
  if (
    rv !== undefined &&
    rv > 0 &&
    r.query.get('resourceVersionMatch') === 'Exact' &&
    rv < ctx.store.compactedRv()
  ) {
    throw new ApiError('Expired', `too old resource version: ${rv} (${ctx.store.compactedRv()})`);
  }
};

export const list = (ctx: RestContext, r: ResourceRequest): JsonObject => {
  checkListResourceVersion(ctx, r);
  const filter = filterOf(r);
  const limit = positiveInt(r.query.get('limit'), 'limit') || undefined;
  const cont = r.query.get('continue');
  const token = cont ? decodeContinue(cont) : undefined;
  if (token && token.rv < ctx.store.compactedRv()) throw new ApiError('Expired', EXPIRED_CONTINUE);
  const rv = token?.rv ?? ctx.store.currentRv();
  let items = ctx.store
    .list(resourceKey(r.type), r.namespace)
    .filter((o) => matchesFilter(filter, o) && (!token || sortKey(o) > token.after));
  const metadata: JsonObject = { resourceVersion: String(rv) };
  if (limit !== undefined && items.length > limit) {
    metadata['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1] as KubeObject;
    metadata['continue'] = Buffer.from(JSON.stringify({ rv, after: sortKey(last) })).toString('base64url');
  }
  return {
    apiVersion: groupVersion(r.type.group, r.version),
    kind: `${r.type.kind}List`,
    metadata,
    items: items.map((o) => asVersion(r, o) as unknown as Json),
  };
};

export const watch = (
  ctx: RestContext,
  r: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
): void => {
  const timeout = positiveInt(r.query.get('timeoutSeconds'), 'timeoutSeconds');
  ctx.watches.start(req, res, {
    type: r.type,
    version: r.version,
    namespace: r.namespace,
    filter: filterOf(r),
    resourceVersion: r.query.get('resourceVersion') ?? '',
    allowBookmarks: r.query.get('allowWatchBookmarks') === 'true',
    timeoutSeconds: timeout,
  });
};

export const isWatch = (q: URLSearchParams): boolean => q.get('watch') === 'true' || q.get('watch') === '1';
