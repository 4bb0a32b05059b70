// Inbound authorization (SMI TrafficTarget semantics): with no policy selecting this workload,
// all mesh traffic is allowed; once one does, only a rule listing the caller's service account
// and matching the request (route, port) allows it. A denial is a FORBIDDEN MeshError carrying
// `x-weft-authz: <reason>`, answered (403, or PERMISSION_DENIED to gRPC callers) by error-response.
// Decision (authorize) is pure and table-tested; the layer only adapts it to requests.
import type { Logger } from 'pino';
import type { AuthzRule, AuthzView } from '../../api/model/authz.ts';
import type { RouteMatch } from '../../api/model/snapshot.ts';
import { serviceAccountKeyOf } from '../../api/model/spiffe.ts';
import { MeshError } from '../stack/errors.ts';
import type { HeaderMap, Layer } from '../stack/types.ts';
import { compileRouteMatch, type RequestMatcher } from './route-rules.ts';

/** Response header naming why a request was denied. */
export const AUTHZ_HEADER = 'x-weft-authz';

export type AuthzDenyReason = 'no-identity' | 'source-not-allowed' | 'port-not-allowed' | 'route-not-allowed';

export type AuthzDecision =
  | {
      readonly allowed: true;
      /** The TrafficTarget that allowed it; absent when no policy applies. */ readonly rule?: string;
    }
  | { readonly allowed: false; readonly reason: AuthzDenyReason };

export interface AuthzRequest {
  readonly method: string;
  /** Path with optional query string; pathRegex must match the whole path without the query. */
  readonly path: string;
  readonly headers: HeaderMap;
  /** Destination port the request arrived for (the inbound target port). */
  readonly port?: number;
}

// Same matcher as routing and policy (route-rules.ts), so one RouteMatch means one thing everywhere.
// Compiled once per RouteMatch object: snapshots are immutable, so object identity is a safe key.
const compiled = new WeakMap<RouteMatch, RequestMatcher>();

export const routeMatches = (m: RouteMatch, req: AuthzRequest): boolean => {
  let matcher = compiled.get(m);
  if (!matcher) {
    matcher = compileRouteMatch(m);
    compiled.set(m, matcher);
  }
  return matcher(req);
};

const ruleAdmits = (r: AuthzRule, req: AuthzRequest): 'ok' | 'port-not-allowed' | 'route-not-allowed' => {
  if (r.ports && (req.port === undefined || !r.ports.includes(req.port))) return 'port-not-allowed';
  if (r.routes && !r.routes.some((m) => routeMatches(m, req))) return 'route-not-allowed';
  return 'ok';
};

/**
 * `sourceIdentity`: the caller's SPIFFE ID or service account `namespace/name` (as in
 * CallCtx.sourceServiceAccount); undefined for a caller without a verified mesh certificate.
 */
export const authorize = (
  view: AuthzView | undefined,
  sourceIdentity: string | undefined,
  req: AuthzRequest,
): AuthzDecision => {
  if (!view) return { allowed: true };
  if (sourceIdentity === undefined) return { allowed: false, reason: 'no-identity' };
  const source = sourceIdentity.startsWith('spiffe://')
    ? serviceAccountKeyOf(sourceIdentity)
    : sourceIdentity;
  const candidates = view.rules.filter((r) => source !== undefined && r.sources.includes(source));
  if (candidates.length === 0) return { allowed: false, reason: 'source-not-allowed' };
  const outcomes = candidates.map((r) => [r, ruleAdmits(r, req)] as const);
  const admitted = outcomes.find(([, o]) => o === 'ok');
  if (admitted) return { allowed: true, rule: admitted[0].name };
  // Report the most specific failure: a matching port whose route did not match says more.
  return {
    allowed: false,
    reason: outcomes.some(([, o]) => o === 'route-not-allowed') ? 'route-not-allowed' : 'port-not-allowed',
  };
};

export interface AuthzLayerDeps {
  /** Inbound target port this stack serves, for TCPRoute port rules. */
  readonly port?: number;
  readonly logger?: Logger;
  /** Called once per denied request, e.g. to count denials by reason. */
  readonly onDeny?: (reason: AuthzDenyReason) => void;
}

/** Include only when the workload has an AuthzView (no policy → leave the layer out). */
export const authzLayer =
  (view: AuthzView, deps: AuthzLayerDeps = {}): Layer =>
  (next) => {
    const log = deps.logger?.child({ component: 'inbound.authz' });
    return async (req, ctx) => {
      const decision = authorize(view, ctx.sourceServiceAccount, {
        ...req,
        ...(deps.port !== undefined ? { port: deps.port } : {}),
      });
      if (decision.allowed) return next(req, ctx);
      ctx.notes.push(`authz:${decision.reason}`);
      deps.onDeny?.(decision.reason);
      log?.debug(
        { source: ctx.sourceServiceAccount, path: req.path, reason: decision.reason },
        'request denied',
      );
      // Answered by error-response, the one place a failure becomes an HTTP or gRPC answer.
      throw new MeshError('FORBIDDEN', decision.reason, { headers: { [AUTHZ_HEADER]: decision.reason } });
    };
  };
