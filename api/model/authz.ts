// Authorization view for one destination service account, compiled by the control plane from SMI
// TrafficTarget + HTTPRouteGroup/TCPRoute and enforced by the inbound authz layer of the sidecar.
import type { RouteMatch } from './snapshot.ts';

/** What one TrafficTarget allows. A request is allowed when any rule allows it. */
export interface AuthzRule {
  /** `namespace/name` of the TrafficTarget, for deny reasons and logs. */
  readonly name: string;
  /** Source service accounts `namespace/name` the rule admits. */
  readonly sources: readonly string[];
  /** HTTP routes (from HTTPRouteGroup matches); absent = every request (L4-only rule). */
  readonly routes?: readonly RouteMatch[];
  /** Destination ports (from TCPRoute matches.ports); absent = every port. */
  readonly ports?: readonly number[];
}

/**
 * Present on a workload only when at least one TrafficTarget selects its service account:
 * absent = no policy = all mesh traffic allowed; present = deny unless a rule allows.
 */
export interface AuthzView {
  readonly rules: readonly AuthzRule[];
}
