// Gateway API route filters → the sidecar's filter views, one compiler per filter type in a
// registry. A filter weft cannot apply becomes `Unsupported` (the rule then answers 500 rather
// than skip it, as the spec asks) with a problem naming its field.
import type { HeaderEditView, HttpFilterView, PathModifierView } from '../../api/model/http-route.ts';
import type { RouteFilterSpec } from '../../api/schema/gateway-route.ts';
import type { Problem } from './gateway-matches.ts';

/** How a filter's backendRef is resolved is the caller's business (namespaces, ports). */
export type MirrorResolver = (
  ref: NonNullable<RouteFilterSpec['requestMirror']>['backendRef'],
  at: string,
) => { service: string; port?: number } | undefined;

interface FilterCtx {
  readonly at: string;
  readonly resolveMirror: MirrorResolver;
  readonly problems: Problem[];
}

const unsupported = (f: RouteFilterSpec, field: string, ctx: FilterCtx, why: string): HttpFilterView => {
  ctx.problems.push({ field, message: why });
  return { type: 'Unsupported', reason: `${field}: ${f.type}` };
};

const headerEdit = (e: NonNullable<RouteFilterSpec['requestHeaderModifier']>): HeaderEditView => ({
  ...(e.set?.length ? { set: e.set.map((h) => ({ name: h.name, value: h.value })) } : {}),
  ...(e.add?.length ? { add: e.add.map((h) => ({ name: h.name, value: h.value })) } : {}),
  ...(e.remove?.length ? { remove: e.remove.map((h) => h.toLowerCase()) } : {}),
});

type PathSpec = {
  type: string;
  replaceFullPath?: string | undefined;
  replacePrefixMatch?: string | undefined;
};

const pathModifier = (
  p: PathSpec | undefined,
  at: string,
  problems: Problem[],
): PathModifierView | undefined => {
  if (!p) return undefined;
  if (p.type === 'ReplaceFullPath' && p.replaceFullPath !== undefined)
    return { type: 'ReplaceFullPath', value: p.replaceFullPath };
  if (p.type === 'ReplacePrefixMatch' && p.replacePrefixMatch !== undefined)
    return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch };
  problems.push({
    field: `${at}.type`,
    message: `must be ReplaceFullPath with replaceFullPath, or ReplacePrefixMatch with replacePrefixMatch (got ${p.type})`,
  });
  return undefined;
};

const REDIRECT_CODES = [301, 302, 303, 307, 308];

const headerModifier =
  (field: 'requestHeaderModifier' | 'responseHeaderModifier') =>
  (f: RouteFilterSpec, ctx: FilterCtx): HttpFilterView => {
    const edit = f[field];
    if (!edit) return unsupported(f, ctx.at, ctx, `type ${f.type} needs its ${field} field`);
    return { type: f.type as 'RequestHeaderModifier' | 'ResponseHeaderModifier', edit: headerEdit(edit) };
  };

const requestRedirect = (f: RouteFilterSpec, ctx: FilterCtx): HttpFilterView => {
  const r = f.requestRedirect ?? {};
  const at = `${ctx.at}.requestRedirect`;
  const statusCode = r.statusCode ?? 302;
  if (!REDIRECT_CODES.includes(statusCode))
    return unsupported(f, `${at}.statusCode`, ctx, `must be one of ${REDIRECT_CODES.join(', ')}`);
  if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https')
    return unsupported(f, `${at}.scheme`, ctx, `must be http or https (got ${r.scheme})`);
  const path = pathModifier(r.path, `${at}.path`, ctx.problems);
  return {
    type: 'RequestRedirect',
    statusCode,
    ...(r.scheme !== undefined ? { scheme: r.scheme } : {}),
    ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
    ...(r.port !== undefined ? { port: r.port } : {}),
    ...(path ? { path } : {}),
  };
};

const urlRewrite = (f: RouteFilterSpec, ctx: FilterCtx): HttpFilterView => {
  const r = f.urlRewrite ?? {};
  const path = pathModifier(r.path, `${ctx.at}.urlRewrite.path`, ctx.problems);
  return {
    type: 'URLRewrite',
    ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
    ...(path ? { path } : {}),
  };
};

const requestMirror = (f: RouteFilterSpec, ctx: FilterCtx): HttpFilterView => {
  const at = `${ctx.at}.requestMirror.backendRef`;
  const ref = f.requestMirror?.backendRef;
  const target = ref && ctx.resolveMirror(ref, at);
  return target
    ? { type: 'RequestMirror', ...target }
    : unsupported(f, at, ctx, 'does not name a Service weft knows');
};

const FILTERS: Readonly<Record<string, (f: RouteFilterSpec, ctx: FilterCtx) => HttpFilterView>> = {
  RequestHeaderModifier: headerModifier('requestHeaderModifier'),
  ResponseHeaderModifier: headerModifier('responseHeaderModifier'),
  RequestRedirect: requestRedirect,
  URLRewrite: urlRewrite,
  RequestMirror: requestMirror,
};

export const filterOf = (
  f: RouteFilterSpec,
  at: string,
  resolveMirror: MirrorResolver,
  problems: Problem[],
): HttpFilterView => {
  const ctx = { at, resolveMirror, problems };
  const compile = FILTERS[f.type];
  if (compile) return compile(f, ctx);
  return unsupported(
    f,
    `${at}.type`,
    ctx,
    `filter type ${f.type} is not supported (supported: ${Object.keys(FILTERS).join(', ')}); requests this rule takes get 500`,
  );
};
