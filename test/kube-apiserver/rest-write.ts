// Writes: create (POST), update (PUT), patch (PATCH), delete (DELETE, one or a collection). Mutating
// admission runs on create and update of the main resource before the store applies its rules,
// which is the real server's order (admission sees the request's object, storage stamps metadata).
import type { IncomingMessage } from 'node:http';
import { readJson } from './http-io.ts';
import type { WriteTarget } from './lifecycle.ts';
import { applyPatchBody } from './patch.ts';
import { asVersion, filterOf } from './rest-read.ts';
import { groupVersion, resourceKey } from './resource-types.ts';
import type { ResourceRequest, RestContext } from './rest-context.ts';
import { matchesFilter } from './selectors.ts';
import { badRequest, successStatus } from './status.ts';
import { isJsonObject, type Json, type JsonObject, type KubeObject } from './types.ts';

export interface WriteResult {
  readonly code: number;
  readonly body: Json;
}

export type WriteVerb = (ctx: RestContext, r: ResourceRequest, req: IncomingMessage) => Promise<WriteResult>;

const target = (r: ResourceRequest): WriteTarget => ({
  type: r.type,
  version: r.version,
  namespace: r.namespace,
});

const asKubeObject = (body: Json): KubeObject => {
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  const meta = body['metadata'] ?? {};
  if (!isJsonObject(meta)) throw badRequest('metadata must be an object');
  return { ...body, metadata: { ...meta } } as unknown as KubeObject;
};

const rejectDryRun = (r: ResourceRequest): void => {
  if (r.query.has('dryRun')) throw badRequest('dryRun is not supported by the weft kube-apiserver stand-in');
};

const out = (r: ResourceRequest, code: number, o: KubeObject): WriteResult => ({
  code,
  body: asVersion(r, o) as unknown as Json,
});

export const create: WriteVerb = async (ctx, r, req) => {
  rejectDryRun(r);
  const body = asKubeObject(await readJson(req));
  if (r.type.kind === 'SelfSubjectAccessReview') return selfSubjectAccessReview(r, body);
  if (r.type.virtual) return tokenReview(ctx, body);
  // As the real server does before admission: the object carries its kind and the URL's namespace.
  body.apiVersion ??= groupVersion(r.type.group, r.version);
  body.kind ??= r.type.kind;
  if (r.type.namespaced) body.metadata.namespace ??= r.namespace;
  const admitted = await admit(ctx, r, body, undefined);
  return out(r, 201, ctx.lifecycle.create(target(r), admitted));
};

/** Mutating admission for a create (no old object) or an update of the main resource. */
const admit = async (
  ctx: RestContext,
  r: ResourceRequest,
  object: KubeObject,
  old: KubeObject | undefined,
) =>
  r.subresource
    ? object
    : ctx.admit({
        operation: old ? 'UPDATE' : 'CREATE',
        type: r.type,
        version: r.version,
        namespace: r.namespace,
        name: r.name ?? object.metadata.name,
        object,
        oldObject: old && asVersion(r, old),
        userInfo: r.user,
      });

const statusSub = (r: ResourceRequest): 'status' | undefined =>
  r.subresource === 'status' ? 'status' : undefined;

export const update: WriteVerb = async (ctx, r, req) => {
  rejectDryRun(r);
  const body = asKubeObject(await readJson(req));
  const name = r.name ?? '';
  const old = ctx.lifecycle.current(target(r), name);
  const admitted = await admit(ctx, r, body, old);
  return out(r, 200, ctx.lifecycle.update(target(r), name, admitted, statusSub(r)));
};

export const patch: WriteVerb = async (ctx, r, req) => {
  rejectDryRun(r);
  const name = r.name ?? '';
  const patchBody = await readJson(req);
  const current = asVersion(r, ctx.lifecycle.current(target(r), name));
  const patched = asKubeObject(
    applyPatchBody(req.headers['content-type'] ?? '', current as unknown as Json, patchBody),
  );
  const admitted = await admit(ctx, r, patched, current);
  return out(r, 200, ctx.lifecycle.update(target(r), name, admitted, statusSub(r)));
};

const deleteOptions = async (req: IncomingMessage): Promise<JsonObject> => {
  if (
    req.headers['content-length'] === '0' ||
    (!req.headers['content-length'] && !req.headers['transfer-encoding'])
  ) {
    return {};
  }
  const body = await readJson(req).catch(() => ({}) as Json);
  return isJsonObject(body) ? body : {};
};

export const remove: WriteVerb = async (ctx, r, req) => {
  rejectDryRun(r);
  const opts = await deleteOptions(req);
  const pre = isJsonObject(opts['preconditions']) ? opts['preconditions'] : {};
  const name = r.name ?? '';
  const gone = ctx.lifecycle.delete(target(r), name, {
    ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}),
    ...(typeof pre['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}),
  });
  const stillThere = ctx.store.get(resourceKey(r.type), r.namespace, name) !== undefined;
  // Pending finalizers: the real server answers 202 with the object now carrying deletionTimestamp.
  if (stillThere) return out(r, 202, gone);
  if (r.type.returnsDeletedObject) return out(r, 200, gone);
  return {
    code: 200,
    body: successStatus({ name, group: r.type.group, kind: r.type.plural, uid: gone.metadata.uid ?? '' }),
  };
};

export const removeCollection = (ctx: RestContext, r: ResourceRequest): WriteResult => {
  rejectDryRun(r);
  const filter = filterOf(r);
  const victims = ctx.store.list(resourceKey(r.type), r.namespace).filter((o) => matchesFilter(filter, o));
  const items = victims.map((o) => ctx.lifecycle.delete(target(r), o.metadata.name ?? ''));
  return {
    code: 200,
    body: {
      apiVersion: groupVersion(r.type.group, r.version),
      kind: `${r.type.kind}List`,
      metadata: { resourceVersion: String(ctx.store.currentRv()) },
      items: items.map((o) => asVersion(r, o) as unknown as Json),
    },
  };
};

/**
 * The stand-in authenticates but does not authorize, so it answers as a cluster whose only RBAC
 * binding is the built-in one would: members of system:masters may do anything, nobody else
 * anything. A test that needs a refused user connects with a registered service-account token.
 */
const selfSubjectAccessReview = (r: ResourceRequest, body: KubeObject): WriteResult => {
  const spec = isJsonObject(body['spec']) ? body['spec'] : {};
  if (!isJsonObject(spec['resourceAttributes']) && !isJsonObject(spec['nonResourceAttributes']))
    throw badRequest('spec: resourceAttributes or nonResourceAttributes is required');
  const allowed = r.user.groups.includes('system:masters');
  return {
    code: 201,
    body: {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed, ...(allowed ? { reason: 'system:masters' } : {}) },
    },
  };
};

const tokenReview = async (ctx: RestContext, body: KubeObject): Promise<WriteResult> => {
  const spec = isJsonObject(body['spec']) ? body['spec'] : {};
  if (typeof spec['token'] !== 'string' || spec['token'] === '') {
    throw badRequest('spec.token: Required value');
  }
  const audiences = Array.isArray(spec['audiences']) ? spec['audiences'].map(String) : undefined;
  const status = await ctx.tokenReview()({ token: spec['token'], ...(audiences ? { audiences } : {}) });
  return {
    code: 201,
    body: {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status,
    },
  };
};
