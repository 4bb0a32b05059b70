// Gateway API HTTPRoute and GRPCRoute (gateway.networking.k8s.io/v1, standard channel plus the
// experimental fields weft reads). Parsing checks shapes and sizes only; whether a route attaches,
// whether its references resolve and whether its values are supported is decided when it is
// compiled (control-plane/index/gateway-routes.ts), so a bad rule costs its route a condition
// instead of the whole object, as the spec's Accepted/ResolvedRefs conditions expect.
import { z } from 'zod';
import { duration, name, port, text, wholeNumber } from './fields.ts';
import {
  MAX_BACKENDS,
  MAX_HEADER_MATCHES,
  MAX_MATCHES,
  MAX_REGEX_CHARS,
  MAX_ROUTE_FILTERS,
  MAX_ROUTE_PARENTS,
  MAX_ROUTE_RULES,
} from './limits.ts';
import { envelope } from './meta.ts';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

const value = () => z.string().max(MAX_REGEX_CHARS);

const parentRef = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: name().optional(),
  name: name(),
  sectionName: z.string().optional(),
  port: port().optional(),
});

const valueMatch = z.looseObject({
  type: z.string().optional(),
  name: name(),
  value: value(),
});

const headerEdit = z.looseObject({
  set: z
    .array(z.looseObject({ name: name(), value: z.string() }))
    .max(MAX_HEADER_MATCHES)
    .optional(),
  add: z
    .array(z.looseObject({ name: name(), value: z.string() }))
    .max(MAX_HEADER_MATCHES)
    .optional(),
  remove: z.array(name()).max(MAX_HEADER_MATCHES).optional(),
});

const pathModifier = z.looseObject({
  type: z.string(),
  replaceFullPath: z.string().optional(),
  replacePrefixMatch: z.string().optional(),
});

const backendObjectRef = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: name(),
  namespace: name().optional(),
  port: port().optional(),
});

const filter = z.looseObject({
  type: text(),
  requestHeaderModifier: headerEdit.optional(),
  responseHeaderModifier: headerEdit.optional(),
  requestRedirect: z
    .looseObject({
      scheme: z.string().optional(),
      hostname: z.string().optional(),
      path: pathModifier.optional(),
      port: port().optional(),
      statusCode: wholeNumber(100, 599).optional(),
    })
    .optional(),
  urlRewrite: z.looseObject({ hostname: z.string().optional(), path: pathModifier.optional() }).optional(),
  requestMirror: z.looseObject({ backendRef: backendObjectRef }).optional(),
});
export type RouteFilterSpec = z.output<typeof filter>;

const backendRef = backendObjectRef.extend({
  weight: wholeNumber(0, 1_000_000).optional(),
  filters: z.array(filter).max(MAX_ROUTE_FILTERS).optional(),
});
export type BackendRefSpec = z.output<typeof backendRef>;

const ruleCommon = {
  name: name().optional(),
  filters: z.array(filter).max(MAX_ROUTE_FILTERS).optional(),
  backendRefs: z.array(backendRef).max(MAX_BACKENDS).optional(),
};

const httpMatch = z.looseObject({
  path: z.looseObject({ type: z.string().optional(), value: value().optional() }).optional(),
  headers: z.array(valueMatch).max(MAX_HEADER_MATCHES).optional(),
  queryParams: z.array(valueMatch).max(MAX_HEADER_MATCHES).optional(),
  method: z.string().optional(),
});
export type HttpMatchSpec = z.output<typeof httpMatch>;

const httpRule = z.looseObject({
  ...ruleCommon,
  matches: z.array(httpMatch).max(MAX_MATCHES).optional(),
  timeouts: z
    .looseObject({ request: duration(0).optional(), backendRequest: duration(0).optional() })
    .optional(),
  retry: z
    .looseObject({
      codes: z.array(wholeNumber(400, 599)).max(MAX_MATCHES).optional(),
      attempts: wholeNumber(0, 100).optional(),
      backoff: duration(0).optional(),
    })
    .optional(),
});
export type HttpRuleSpec = z.output<typeof httpRule>;

const grpcMatch = z.looseObject({
  method: z
    .looseObject({ type: z.string().optional(), service: value().optional(), method: value().optional() })
    .optional(),
  headers: z.array(valueMatch).max(MAX_HEADER_MATCHES).optional(),
});
export type GrpcMatchSpec = z.output<typeof grpcMatch>;

const grpcRule = z.looseObject({ ...ruleCommon, matches: z.array(grpcMatch).max(MAX_MATCHES).optional() });
export type GrpcRuleSpec = z.output<typeof grpcRule>;

const routeSpec = <R extends z.ZodType>(rule: R) =>
  z.looseObject({
    parentRefs: z.array(parentRef).max(MAX_ROUTE_PARENTS).optional(),
    hostnames: z.array(z.string()).max(MAX_ROUTE_PARENTS).optional(),
    rules: z.array(rule).max(MAX_ROUTE_RULES).optional(),
  });

export const httpRouteSchema = envelope([GATEWAY_API_VERSION], 'HTTPRoute', { spec: routeSpec(httpRule) });
export const grpcRouteSchema = envelope([GATEWAY_API_VERSION], 'GRPCRoute', { spec: routeSpec(grpcRule) });

export type ParentRefSpec = z.output<typeof parentRef>;
