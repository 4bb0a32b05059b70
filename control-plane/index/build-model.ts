// Pure: the source's resources (+ connected sidecars) → MeshModel and every cross-object
// issue (unknown services, port mismatches, duplicates). No I/O, no clock: firstSeen is given.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { SourcedResource } from '../sources/types.ts';
import { indexEndpoints } from './endpoints.ts';
import type { BuildOptions, MeshModel } from './model.ts';
import { attachGatewayRoutes, compileGatewayRoutes } from './gateway-routes.ts';
import { attachFaults, attachPolicies } from './policies.ts';
import { compileMtlsModes } from './mtls-mode.ts';
import { compileServices } from './services.ts';
import { attachSplits } from './splits.ts';
import { buildAuthzIndex } from './traffic-target.ts';
import { ofKind, type Sourced } from './select.ts';
import type { OpaqueResource } from '../../api/schema/resources.ts';

export interface BuiltModel {
  readonly model: MeshModel;
  readonly issues: readonly ConfigIssue[];
}

export const buildModel = (resources: readonly SourcedResource[], opts: BuildOptions): BuiltModel => {
  const issues: ConfigIssue[] = [];
  const endpoints = indexEndpoints(resources, opts.localEndpoints, issues, opts.ownerOf);
  const services = compileServices(resources, endpoints, opts.clusterDomain, issues);
  for (const l of opts.localEndpoints) {
    if (!services.has(`${l.namespace}/${l.service}`))
      issues.push({
        path: `sidecar ${l.namespace}/${l.workload}: node.service`,
        message: `no Service ${l.namespace}/${l.service} is defined: add one to the configuration so callers can reach this workload`,
      });
  }
  attachSplits(resources, services, opts.clusterDomain, issues);
  const routes = compileGatewayRoutes(resources, services, issues);
  attachGatewayRoutes(resources, routes, services, issues);
  attachPolicies(resources, services, issues);
  attachFaults(resources, services, opts.firstSeen, issues);
  const mtls = compileMtlsModes(resources, issues);
  const gateway =
    routes.status.length > 0 ? { consumerRoutes: routes.consumer, routeStatus: routes.status } : {};
  return { model: { services, authz: authzOf(resources, issues), mtls, ...gateway }, issues };
};

/** SMI TrafficTarget (kept opaque by the parser) → AuthzView per service account; issues get their file. */
const authzOf = (resources: readonly SourcedResource[], issues: ConfigIssue[]) => {
  const opaque = resources.filter((r): r is Sourced<OpaqueResource> => r.resource.kind === 'Opaque');
  const origins = new Map(
    opaque.map((r) => [
      `${r.resource.objectKind} ${r.resource.meta.namespace}/${r.resource.meta.name}`,
      r.origin,
    ]),
  );
  const groups = new Map(
    [...ofKind(resources, 'HTTPRouteGroup', [])].map(([k, g]) => [k, g.resource.spec.matches]),
  );
  // The parser already applied the default namespace to meta; the raw object may lack one.
  const objects = opaque.map(({ resource: { object, meta } }) => ({
    ...object,
    metadata: { ...(object.metadata as object), namespace: meta.namespace },
  }));
  const built = buildAuthzIndex({ objects, httpRouteGroups: groups, defaultNamespace: 'default' });
  for (const i of built.issues) {
    const object = /^(\S+ [^:]+)/.exec(i.path)?.[1];
    const origin = object ? origins.get(object) : undefined;
    issues.push(origin ? { path: `${origin}: ${i.path}`, message: i.message } : i);
  }
  return built.byServiceAccount;
};
