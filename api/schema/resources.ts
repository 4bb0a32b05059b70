// The one entry point from a decoded YAML/JSON object to a typed, normalised MeshResource.
// A registry maps apiVersion + kind to its schema; every problem comes back at once with a
// path "<Kind> <namespace>/<name>: <field>" (the caller prefixes the file).
import type { z } from 'zod';
import type { ConfigIssue, Result } from '../model/result.ts';
import { canarySchema } from './canary.ts';
import { endpointSliceSchema, endpointsSchema } from './endpoints.ts';
import { faultInjectionSchema } from './fault-injection.ts';
import { grpcRouteSchema, httpRouteSchema } from './gateway-route.ts';
import { httpRouteGroupSchemas } from './http-route-group.ts';
import { namespaceSchema } from './namespace.ts';
import { toConfigIssues } from './issues.ts';
import { MAX_NAME_CHARS } from './limits.ts';
import type { ObjectMeta } from './meta.ts';
import { serviceSchema } from './service.ts';
import { trafficPolicySchema } from './traffic-policy.ts';
import { trafficSplitSchemas } from './traffic-split.ts';

export interface ResourceMeta {
  readonly name: string;
  readonly namespace: string;
  readonly generation?: number;
  /** RFC 3339, as the API server sets it; Gateway API route precedence prefers older routes. */
  readonly creationTimestamp?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Present only when the object has annotations (weft reads `weft.io/mtls-mode`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

type Out<S extends z.ZodType> = z.output<S>;
type Kinded<K extends string, T> = {
  readonly kind: K;
  readonly apiVersion: string;
  readonly meta: ResourceMeta;
} & T;

/** Cluster-scoped: meta.name is the namespace, meta.namespace is meaningless. */
export type NamespaceResource = Kinded<'Namespace', object>;
export type ServiceResource = Kinded<'Service', { readonly spec: Out<typeof serviceSchema>['spec'] }>;
export type EndpointSliceResource = Kinded<
  'EndpointSlice',
  Omit<Out<typeof endpointSliceSchema>, 'metadata' | 'kind' | 'apiVersion' | 'status'>
>;
export type EndpointsResource = Kinded<
  'Endpoints',
  Omit<Out<typeof endpointsSchema>, 'metadata' | 'kind' | 'apiVersion' | 'status'>
>;
export type TrafficSplitResource = Kinded<
  'TrafficSplit',
  { readonly spec: Out<(typeof trafficSplitSchemas)['split.smi-spec.io/v1alpha4']>['spec'] }
>;
export type HttpRouteGroupResource = Kinded<
  'HTTPRouteGroup',
  { readonly spec: Out<(typeof httpRouteGroupSchemas)['specs.smi-spec.io/v1alpha4']>['spec'] }
>;
export type TrafficPolicyResource = Kinded<
  'TrafficPolicy',
  { readonly spec: Out<typeof trafficPolicySchema>['spec'] }
>;
export type FaultInjectionResource = Kinded<
  'FaultInjection',
  { readonly spec: Out<typeof faultInjectionSchema>['spec'] }
>;
export type HttpRouteResource = Kinded<'HTTPRoute', { readonly spec: Out<typeof httpRouteSchema>['spec'] }>;
export type GrpcRouteResource = Kinded<'GRPCRoute', { readonly spec: Out<typeof grpcRouteSchema>['spec'] }>;
export type CanaryResource = Kinded<'Canary', { readonly spec: Out<typeof canarySchema>['spec'] }>;
/** A known SMI kind weft does not parse here (TrafficTarget, TCPRoute…): kept for later readers. */
export type OpaqueResource = Kinded<
  'Opaque',
  { readonly objectKind: string; readonly object: Readonly<Record<string, unknown>> }
>;

export type MeshResource =
  | NamespaceResource
  | ServiceResource
  | EndpointSliceResource
  | EndpointsResource
  | TrafficSplitResource
  | HttpRouteGroupResource
  | TrafficPolicyResource
  | FaultInjectionResource
  | HttpRouteResource
  | GrpcRouteResource
  | CanaryResource
  | OpaqueResource;

export interface ParseOptions {
  /** metadata.namespace when absent. */
  readonly defaultNamespace: string;
}

const KINDS: Readonly<Record<string, Readonly<Record<string, z.ZodType<{ metadata: ObjectMeta }>>>>> = {
  Namespace: { v1: namespaceSchema },
  Service: { v1: serviceSchema },
  EndpointSlice: { 'discovery.k8s.io/v1': endpointSliceSchema },
  Endpoints: { v1: endpointsSchema },
  TrafficSplit: trafficSplitSchemas,
  HTTPRouteGroup: httpRouteGroupSchemas,
  TrafficPolicy: { 'policy.weft.io/v1alpha1': trafficPolicySchema },
  FaultInjection: { 'policy.weft.io/v1alpha1': faultInjectionSchema },
  HTTPRoute: { 'gateway.networking.k8s.io/v1': httpRouteSchema },
  GRPCRoute: { 'gateway.networking.k8s.io/v1': grpcRouteSchema },
  Canary: { 'policy.weft.io/v1alpha1': canarySchema },
};

/** API groups whose other kinds are kept (opaque) rather than ignored. */
const KEPT_GROUPS = /^(access|specs|split)\.smi-spec\.io\//;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A name too long to be valid is cut in issue paths (its own issue says how long it is). */
const shown = (v: string | undefined): string | undefined =>
  v !== undefined && v.length > MAX_NAME_CHARS ? `${v.slice(0, 40)}…` : v;

/** "TrafficSplit demo/catalog", readable even for a broken object. */
export const describeObject = (obj: unknown, defaultNamespace: string): string => {
  const o = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
  const md = (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as Record<
    string,
    unknown
  >;
  const kind = shown(str(o.kind)) ?? '<no kind>';
  return `${kind} ${shown(str(md.namespace)) ?? defaultNamespace}/${shown(str(md.name)) ?? '<no name>'}`;
};

const metaOf = (md: ObjectMeta, opts: ParseOptions): ResourceMeta => ({
  name: md.name,
  namespace: md.namespace ?? opts.defaultNamespace,
  ...(md.generation !== undefined ? { generation: md.generation } : {}),
  ...(typeof md.creationTimestamp === 'string' ? { creationTimestamp: md.creationTimestamp } : {}),
  labels: md.labels ?? {},
  ...(md.annotations !== undefined ? { annotations: md.annotations } : {}),
});

/**
 * ok(resource), ok(null) for kinds weft ignores (the caller logs them once), or every issue.
 * Issue paths start with "<Kind> <namespace>/<name>".
 */
export const parseResource = (obj: unknown, opts: ParseOptions): Result<MeshResource | null> => {
  const where = describeObject(obj, opts.defaultNamespace);
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return {
      ok: false,
      error: [{ path: where, message: 'must be a mapping with apiVersion, kind and metadata' }],
    };
  const { kind, apiVersion } = obj as { kind?: unknown; apiVersion?: unknown };
  if (typeof kind !== 'string' || typeof apiVersion !== 'string')
    return { ok: false, error: [{ path: where, message: 'needs apiVersion and kind (text)' }] };
  const schema = KINDS[kind]?.[apiVersion];
  if (!schema) return unparsed(obj as Record<string, unknown>, where, opts);
  const parsed = schema.safeParse(obj, { reportInput: true });
  if (!parsed.success) return { ok: false, error: toConfigIssues(parsed.error, where) };
  const {
    metadata,
    kind: _k,
    apiVersion: _v,
    status: _s,
    ...rest
  } = parsed.data as Record<string, unknown> & {
    metadata: ObjectMeta;
  };
  return { ok: true, value: { kind, apiVersion, meta: metaOf(metadata, opts), ...rest } as MeshResource };
};

/** A kind or version without a schema: a wrong version of a known kind, an opaque SMI kind, or ignored. */
const unparsed = (
  obj: Record<string, unknown>,
  where: string,
  opts: ParseOptions,
): Result<MeshResource | null> => {
  const kind = obj.kind as string;
  const apiVersion = obj.apiVersion as string;
  const versions = KINDS[kind];
  if (versions) {
    const message = `apiVersion must be one of ${Object.keys(versions).join(', ')} (got ${apiVersion})`;
    return { ok: false, error: [{ path: `${where}: apiVersion`, message }] };
  }
  if (!KEPT_GROUPS.test(apiVersion)) return { ok: true, value: null };
  const md = obj.metadata as Record<string, unknown> | undefined;
  const name = str(md?.name);
  if (!name) return { ok: false, error: [{ path: `${where}: metadata.name`, message: 'is required' }] };
  const namespace = str(md?.namespace) ?? opts.defaultNamespace;
  const resource: OpaqueResource = {
    kind: 'Opaque',
    objectKind: kind,
    apiVersion,
    meta: { name, namespace, labels: {} },
    object: obj,
  };
  return { ok: true, value: resource };
};

export type { ConfigIssue };
