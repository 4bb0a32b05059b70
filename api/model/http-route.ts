import type { RetryPolicyView } from './policy.ts';

// Gateway API routes (HTTPRoute, GRPCRoute) attached to a Service, compiled for a sidecar: every
// match of every attached route in precedence order, each pointing at its rule. The sidecar walks
// the matches in order and takes the first that fits; it never re-sorts per request.

export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type ValueMatchType = 'Exact' | 'RegularExpression';

export interface ValueMatchView {
  /** Header names lower case; query parameter names as written (they are case-sensitive). */
  readonly name: string;
  readonly type: ValueMatchType;
  readonly value: string;
}

export interface HttpMatchView {
  readonly path?: { readonly type: PathMatchType; readonly value: string };
  readonly headers?: readonly ValueMatchView[];
  readonly queryParams?: readonly ValueMatchView[];
  readonly method?: string;
}

export interface HeaderEditView {
  readonly set?: readonly { readonly name: string; readonly value: string }[];
  readonly add?: readonly { readonly name: string; readonly value: string }[];
  /** Lower case. */
  readonly remove?: readonly string[];
}

export interface PathModifierView {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

export type HttpFilterView =
  | { readonly type: 'RequestHeaderModifier'; readonly edit: HeaderEditView }
  | { readonly type: 'ResponseHeaderModifier'; readonly edit: HeaderEditView }
  | {
      readonly type: 'RequestRedirect';
      readonly scheme?: string;
      readonly hostname?: string;
      readonly port?: number;
      readonly path?: PathModifierView;
      readonly statusCode: number;
    }
  | { readonly type: 'URLRewrite'; readonly hostname?: string; readonly path?: PathModifierView }
  /** `service` is a Service key `namespace/name`; mirrored answers are dropped. */
  | { readonly type: 'RequestMirror'; readonly service: string; readonly port?: number }
  /** A filter weft cannot apply: requests the rule takes get 500 rather than skip it (spec). */
  | { readonly type: 'Unsupported'; readonly reason: string };

export interface HttpBackendView {
  /** Service key `namespace/name`; absent when the reference did not resolve (its share gets 500). */
  readonly service?: string;
  readonly port?: number;
  readonly weight: number;
  readonly filters?: readonly HttpFilterView[];
}

export interface HttpRuleView {
  /** `namespace/name` of the route, with `/rule-name` when the rule has one. */
  readonly route: string;
  readonly name?: string;
  readonly filters?: readonly HttpFilterView[];
  readonly backends: readonly HttpBackendView[];
  /** 0 or absent: no deadline. */
  readonly requestTimeoutMs?: number;
  readonly backendRequestTimeoutMs?: number;
  /** The rule's `retry`, mapped onto weft's retry layer (with its budget) by the control plane. */
  readonly retries?: RetryPolicyView;
}

export interface HttpRouteTableView {
  readonly rules: readonly HttpRuleView[];
  /** In precedence order; `rule` indexes `rules`. `ports`: the parentRef ports (absent = every port). */
  readonly matches: readonly {
    readonly match: HttpMatchView;
    readonly rule: number;
    readonly ports?: readonly number[];
  }[];
  /** Service ports that have a route attached: with none matching, such a port answers 404. */
  readonly ports?: readonly number[];
  /** True when a route attached without a port: every port of the Service is routed. */
  readonly allPorts?: boolean;
}
