// Gateway API route matches → the sidecar's views (api/model/http-route.ts), and the
// spec's match precedence. Pure. A value the spec allows but weft cannot apply (a regex that
// does not compile, an unknown match type) comes back as a problem naming its field.
import type { HttpMatchView, ValueMatchView } from '../../api/model/http-route.ts';
import type { GrpcMatchSpec, HttpMatchSpec } from '../../api/schema/gateway-route.ts';

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

type GrpcMethod = NonNullable<GrpcMatchSpec['method']>;

/** `/<service>/<method>`: exact when both are given, a prefix for a service alone, else a regex. */
const grpcPath = (method: GrpcMethod, at: string, problems: Problem[]): HttpMatchView['path'] => {
  const type = method.type ?? 'Exact';
  const regex = type === 'RegularExpression';
  if (type !== 'Exact' && !regex)
    problems.push({
      field: `${at}.method.type`,
      message: `must be Exact or RegularExpression (got ${type})`,
    });
  if (!regex && method.service !== undefined && method.method !== undefined)
    return { type: 'Exact', value: `/${method.service}/${method.method}` };
  if (!regex && method.method === undefined) return { type: 'PathPrefix', value: `/${method.service}` };
  const part = (v: string | undefined) => (v === undefined ? '[^/]+' : regex ? v : escape(v));
  const value = `/${part(method.service)}/${part(method.method)}`;
  const bad = compiles(value);
  if (bad) problems.push({ field: `${at}.method`, message: `is not a valid regular expression: ${bad}` });
  return { type: 'RegularExpression', value };
};

/** A GRPCRoute method match is a match on the request path `/<service>/<method>`. */
export const grpcMatchOf = (m: GrpcMatchSpec, at: string, problems: Problem[]): HttpMatchView | undefined => {
  const before = problems.length;
  const headers = valueMatches(m.headers, `${at}.headers`, true, problems);
  const method = m.method;
  const named = method && (method.service !== undefined || method.method !== undefined);
  const path = named ? grpcPath(method, at, problems) : { type: 'PathPrefix' as const, value: '/' };
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
