// Gateway API route matches and filters → the sidecar's views (api/model/http-route.ts), and the
// spec's match precedence. Pure. Values the spec allows but weft cannot apply (an unknown filter,
// a regex that does not compile) come back as problems with the field that holds them.
import type {
  HeaderEditView,
  HttpFilterView,
  HttpMatchView,
  PathModifierView,
  ValueMatchView,
} from '../../api/model/http-route.ts';
import type { GrpcMatchSpec, HttpMatchSpec, RouteFilterSpec } from '../../api/schema/gateway-route.ts';

export interface Problem {
  /** Field path inside the route, e.g. `spec.rules[0].matches[1].path.value`. */
  readonly field: string;
  readonly message: string;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

const compiles = (re: string): string | undefined => {
  try {
    new RegExp(re);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

const valueMatches = (
  list: HttpMatchSpec['headers'],
  at: string,
  lowerNames: boolean,
  problems: Problem[],
): ValueMatchView[] | undefined => {
  if (!list?.length) return undefined;
  const out: ValueMatchView[] = [];
  list.forEach((m, i) => {
    const type = m.type ?? 'Exact';
    if (type !== 'Exact' && type !== 'RegularExpression') {
      problems.push({
        field: `${at}[${i}].type`,
        message: `must be Exact or RegularExpression (got ${type})`,
      });
      return;
    }
    const bad = type === 'RegularExpression' ? compiles(m.value) : undefined;
    if (bad)
      problems.push({ field: `${at}[${i}].value`, message: `is not a valid regular expression: ${bad}` });
    else out.push({ name: lowerNames ? m.name.toLowerCase() : m.name, type, value: m.value });
  });
  return out;
};

const pathOf = (p: HttpMatchSpec['path'], at: string, problems: Problem[]): HttpMatchView['path'] => {
  const type = p?.type ?? 'PathPrefix';
  const value = p?.value ?? '/';
  if (type !== 'Exact' && type !== 'PathPrefix' && type !== 'RegularExpression') {
    problems.push({
      field: `${at}.type`,
      message: `must be Exact, PathPrefix or RegularExpression (got ${type})`,
    });
    return undefined;
  }
  if (type === 'RegularExpression') {
    const bad = compiles(value);
    if (bad) {
      problems.push({ field: `${at}.value`, message: `is not a valid regular expression: ${bad}` });
      return undefined;
    }
  } else if (!value.startsWith('/')) {
    problems.push({ field: `${at}.value`, message: `must start with "/" (got ${value})` });
    return undefined;
  }
  // A trailing slash of a prefix does not change which segments it matches.
  const normal = type === 'PathPrefix' && value.length > 1 ? value.replace(/\/+$/, '') : value;
  return { type, value: normal };
};

/** undefined when the match cannot be served (its problems say why). */
export const httpMatchOf = (m: HttpMatchSpec, at: string, problems: Problem[]): HttpMatchView | undefined => {
  const before = problems.length;
  const path = pathOf(m.path, `${at}.path`, problems);
  const headers = valueMatches(m.headers, `${at}.headers`, true, problems);
  const queryParams = valueMatches(m.queryParams, `${at}.queryParams`, false, problems);
  if (m.method !== undefined && !METHODS.includes(m.method))
    problems.push({
      field: `${at}.method`,
      message: `must be one of ${METHODS.join(', ')} (got ${m.method})`,
    });
  if (problems.length > before || !path) return undefined;
  return {
    path,
    ...(headers?.length ? { headers } : {}),
    ...(queryParams?.length ? { queryParams } : {}),
    ...(m.method !== undefined ? { method: m.method } : {}),
  };
};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A GRPCRoute method match is a match on the request path `/<service>/<method>`. */
export const grpcMatchOf = (m: GrpcMatchSpec, at: string, problems: Problem[]): HttpMatchView | undefined => {
  const before = problems.length;
  const headers = valueMatches(m.headers, `${at}.headers`, true, problems);
  const method = m.method;
  let path: HttpMatchView['path'] = { type: 'PathPrefix', value: '/' };
  if (method && (method.service !== undefined || method.method !== undefined)) {
    const type = method.type ?? 'Exact';
    const regex = type === 'RegularExpression';
    if (type !== 'Exact' && !regex)
      problems.push({
        field: `${at}.method.type`,
        message: `must be Exact or RegularExpression (got ${type})`,
      });
    const part = (v: string | undefined) => (v === undefined ? '[^/]+' : regex ? v : escape(v));
    if (!regex && method.service !== undefined && method.method !== undefined)
      path = { type: 'Exact', value: `/${method.service}/${method.method}` };
    else if (!regex && method.method === undefined)
      path = { type: 'PathPrefix', value: `/${method.service}` };
    else {
      const value = `/${part(method.service)}/${part(method.method)}`;
      const bad = compiles(value);
      if (bad) problems.push({ field: `${at}.method`, message: `is not a valid regular expression: ${bad}` });
      path = { type: 'RegularExpression', value };
    }
  }
  if (problems.length > before) return undefined;
  return { path, ...(headers?.length ? { headers } : {}) };
};

/**
 * The spec's order between matches (GEP-1426 applies HTTPRoute's to mesh): Exact path, then the
 * longest path (prefix or regex, by characters), then a method, then the most header matches,
 * then the most query parameter matches. Ties are broken by the caller (oldest route, name, order).
 */
export const compareMatches = (a: HttpMatchView, b: HttpMatchView): number => {
  const exact = (m: HttpMatchView) => (m.path?.type === 'Exact' ? 1 : 0);
  const length = (m: HttpMatchView) => (m.path?.type === 'Exact' ? 0 : (m.path?.value.length ?? 1));
  return (
    exact(b) - exact(a) ||
    length(b) - length(a) ||
    (b.method ? 1 : 0) - (a.method ? 1 : 0) ||
    (b.headers?.length ?? 0) - (a.headers?.length ?? 0) ||
    (b.queryParams?.length ?? 0) - (a.queryParams?.length ?? 0)
  );
};

const headerEdit = (e: NonNullable<RouteFilterSpec['requestHeaderModifier']>): HeaderEditView => ({
  ...(e.set?.length ? { set: e.set.map((h) => ({ name: h.name, value: h.value })) } : {}),
  ...(e.add?.length ? { add: e.add.map((h) => ({ name: h.name, value: h.value })) } : {}),
  ...(e.remove?.length ? { remove: e.remove.map((h) => h.toLowerCase()) } : {}),
});

const pathModifier = (
  p:
    | { type: string; replaceFullPath?: string | undefined; replacePrefixMatch?: string | undefined }
    | undefined,
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

/** How a filter's backendRef is resolved is the caller's business (namespaces, ports). */
export type MirrorResolver = (
  ref: NonNullable<RouteFilterSpec['requestMirror']>['backendRef'],
  at: string,
) => { service: string; port?: number } | undefined;

const REDIRECT_CODES = [301, 302, 303, 307, 308];

const unsupported = (f: RouteFilterSpec, at: string, problems: Problem[], why: string): HttpFilterView => {
  problems.push({ field: at, message: why });
  return { type: 'Unsupported', reason: `${at}: ${f.type}` };
};

export const filterOf = (
  f: RouteFilterSpec,
  at: string,
  resolveMirror: MirrorResolver,
  problems: Problem[],
): HttpFilterView => {
  switch (f.type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier': {
      const edit = f.type === 'RequestHeaderModifier' ? f.requestHeaderModifier : f.responseHeaderModifier;
      if (!edit)
        return unsupported(
          f,
          at,
          problems,
          `type ${f.type} needs its ${f.type[0]?.toLowerCase()}${f.type.slice(1)} field`,
        );
      return { type: f.type, edit: headerEdit(edit) };
    }
    case 'RequestRedirect': {
      const r = f.requestRedirect ?? {};
      const statusCode = r.statusCode ?? 302;
      if (!REDIRECT_CODES.includes(statusCode))
        return unsupported(
          f,
          `${at}.requestRedirect.statusCode`,
          problems,
          `must be one of ${REDIRECT_CODES.join(', ')}`,
        );
      if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https')
        return unsupported(
          f,
          `${at}.requestRedirect.scheme`,
          problems,
          `must be http or https (got ${r.scheme})`,
        );
      const path = pathModifier(r.path, `${at}.requestRedirect.path`, problems);
      return {
        type: 'RequestRedirect',
        statusCode,
        ...(r.scheme !== undefined ? { scheme: r.scheme } : {}),
        ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
        ...(r.port !== undefined ? { port: r.port } : {}),
        ...(path ? { path } : {}),
      };
    }
    case 'URLRewrite': {
      const r = f.urlRewrite ?? {};
      const path = pathModifier(r.path, `${at}.urlRewrite.path`, problems);
      return {
        type: 'URLRewrite',
        ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
        ...(path ? { path } : {}),
      };
    }
    case 'RequestMirror': {
      const ref = f.requestMirror?.backendRef;
      const target = ref && resolveMirror(ref, `${at}.requestMirror.backendRef`);
      if (!target)
        return unsupported(
          f,
          `${at}.requestMirror.backendRef`,
          problems,
          'does not name a Service weft knows',
        );
      return { type: 'RequestMirror', ...target };
    }
    default:
      return unsupported(
        f,
        `${at}.type`,
        problems,
        `filter type ${f.type} is not supported (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror); requests this rule takes get 500`,
      );
  }
};
