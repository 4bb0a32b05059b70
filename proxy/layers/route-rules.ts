// Route-level TrafficPolicy overrides: the first route whose match fits the request replaces the
// service-wide rules field by field. Matchers are compiled once per view and cached.
import type { PolicyRules, TrafficPolicyView } from '../../api/model/policy.ts';
import type { RouteMatch } from '../../api/model/snapshot.ts';
import type { HeaderMap, MeshRequest } from '../stack/types.ts';

export type MatchableRequest = Pick<MeshRequest, 'method' | 'path' | 'headers'>;
export type RequestMatcher = (req: MatchableRequest) => boolean;

/** Full-match regular expression; one that does not compile matches nothing (the control plane rejects those). */
const fullMatch = (source: string): RegExp | undefined => {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
};

const headerMatches = (headers: HeaderMap, name: string, re: RegExp | undefined): boolean => {
  const v = headers[name];
  const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return re !== undefined && values.some((x) => re.test(x));
};

/** All given fields must match; pathRegex is tested against the path without its query string. */
export const compileRouteMatch = (m: RouteMatch): RequestMatcher => {
  const path = m.pathRegex === undefined ? undefined : fullMatch(m.pathRegex);
  const badPath = m.pathRegex !== undefined && path === undefined;
  const methods = m.methods?.map((x) => x.toUpperCase());
  const anyMethod = !methods || methods.length === 0 || methods.includes('*');
  const headers = Object.entries(m.headers ?? {}).map(
    ([name, re]) => [name.toLowerCase(), fullMatch(re)] as const,
  );
  return (req) => {
    if (badPath || (path && !path.test(req.path.split('?', 1)[0] ?? ''))) return false;
    if (!anyMethod && !methods?.includes(req.method.toUpperCase())) return false;
    return headers.every(([name, re]) => headerMatches(req.headers, name, re));
  };
};

const pickRules = (r: PolicyRules): PolicyRules => ({
  ...(r.timeoutMs === undefined ? {} : { timeoutMs: r.timeoutMs }),
  ...(r.retries === undefined ? {} : { retries: r.retries }),
  ...(r.circuitBreaker === undefined ? {} : { circuitBreaker: r.circuitBreaker }),
  ...(r.outlierDetection === undefined ? {} : { outlierDetection: r.outlierDetection }),
});

/** Fields the override sets win; the others come from the service-wide rules. */
export const mergeRules = (base: PolicyRules, override: PolicyRules): PolicyRules =>
  pickRules({ ...pickRules(base), ...pickRules(override) });

interface Compiled {
  readonly base: PolicyRules;
  readonly routes: readonly { readonly matches: RequestMatcher; readonly rules: PolicyRules }[];
}
const compiled = new WeakMap<TrafficPolicyView, Compiled>();

const compile = (view: TrafficPolicyView): Compiled => {
  let c = compiled.get(view);
  if (!c) {
    const base = pickRules(view);
    const routes = (view.routes ?? []).map((r) => ({
      matches: compileRouteMatch(r.match),
      rules: mergeRules(base, r.rules),
    }));
    compiled.set(view, (c = { base, routes }));
  }
  return c;
};

/**
 * The rules for one request. Returns the same object for the same view and route, so the stack
 * builder can key per-route layers (and their retry budgets) on it.
 */
export const selectRules = (view: TrafficPolicyView, req: MatchableRequest): PolicyRules => {
  const c = compile(view);
  return c.routes.find((r) => r.matches(req))?.rules ?? c.base;
};

/** Every rule set selectRules can return for this view: the service-wide one, then one per route. */
export const ruleSets = (view: TrafficPolicyView): readonly PolicyRules[] => {
  const c = compile(view);
  return [c.base, ...c.routes.map((r) => r.rules)];
};
