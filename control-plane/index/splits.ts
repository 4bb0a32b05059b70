// SMI TrafficSplit → SplitView on its root Service. Backends must be Services of the same
// namespace that expose every port of the root (SMI "Ports"); others are excluded and
// reported. With matches, only requests matching the HTTPRouteGroups are split.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { RouteMatch, ServiceView, SplitBackend } from '../../api/model/snapshot.ts';
import type { SourcedResource } from '../sources/types.ts';
import { where } from './model.ts';
import { keyOf, ofKind, type Sourced } from './select.ts';
import type { TrafficSplitResource } from '../../api/schema/resources.ts';

type Split = Sourced<TrafficSplitResource>;

/** spec.service may be a name or a DNS name (`web.demo.svc.cluster.local`). */
const rootName = (service: string, namespace: string, clusterDomain: string): string | undefined => {
  const short = service.replace(new RegExp(`\\.svc(\\.${clusterDomain.replace(/\./g, '\\.')})?$`), '');
  const [name, ns] = short.split('.');
  return ns === undefined || ns === namespace ? name : undefined;
};

const backendsOf = (
  s: Split,
  root: ServiceView,
  services: ReadonlyMap<string, ServiceView>,
  issues: ConfigIssue[],
) => {
  const ns = s.resource.meta.namespace;
  const out: SplitBackend[] = [];
  s.resource.spec.backends.forEach((b, i) => {
    const path = `${where(s)}: spec.backends[${i}].service`;
    const backend = services.get(`${ns}/${b.service}`);
    if (!backend) {
      issues.push({
        path,
        message: `no Service ${ns}/${b.service} is defined: create it (until then this backend gets no traffic)`,
      });
      return;
    }
    const missing = root.ports
      .filter((rp) => !backend.ports.some((bp) => bp.port === rp.port))
      .map((p) => p.port);
    if (missing.length > 0) {
      const message = `Service ${ns}/${b.service} lacks port(s) ${missing.join(', ')} of the root service: add them (until then this backend gets no traffic)`;
      issues.push({ path, message });
      return;
    }
    out.push({ service: `${ns}/${b.service}`, weight: b.weight });
  });
  return out;
};

const matchesOf = (s: Split, groups: ReadonlyMap<string, readonly RouteMatch[]>, issues: ConfigIssue[]) => {
  const refs = s.resource.spec.matches;
  if (!refs) return undefined;
  const found: RouteMatch[] = [];
  refs.forEach((name, i) => {
    const g = groups.get(`${s.resource.meta.namespace}/${name}`);
    if (g) found.push(...g);
    else
      issues.push({
        path: `${where(s)}: spec.matches[${i}].name`,
        message: `no HTTPRouteGroup ${s.resource.meta.namespace}/${name} is defined: create it or remove this match`,
      });
  });
  return found;
};

export const attachSplits = (
  all: readonly SourcedResource[],
  services: Map<string, ServiceView>,
  clusterDomain: string,
  issues: ConfigIssue[],
): void => {
  const groups = new Map(
    [...ofKind(all, 'HTTPRouteGroup', issues)].map(([k, g]) => [k, g.resource.spec.matches]),
  );
  for (const s of ofKind(all, 'TrafficSplit', issues).values()) {
    const { namespace } = s.resource.meta;
    const name = rootName(s.resource.spec.service, namespace, clusterDomain);
    const rootKey = `${namespace}/${name}`;
    const root = name === undefined ? undefined : services.get(rootKey);
    const ignored = (path: string, message: string) =>
      issues.push({ path: `${where(s)}: ${path}`, message: `${message}; the split is ignored` });
    if (!root) {
      ignored(
        'spec.service',
        `no Service ${rootKey} is defined: a TrafficSplit's root must be a Service of its own namespace`,
      );
      continue;
    }
    if (root.split) {
      ignored(
        'spec.service',
        `Service ${rootKey} is already split by TrafficSplit ${root.split.name}: keep one split per service`,
      );
      continue;
    }
    const backends = backendsOf(s, root, services, issues);
    if (!backends.some((b) => b.weight > 0)) {
      ignored('spec.backends', 'no usable backend has a weight above 0');
      continue;
    }
    const matches = matchesOf(s, groups, issues);
    if (matches && matches.length === 0) {
      ignored('spec.matches', 'none of the referenced HTTPRouteGroups exists, so no request would match');
      continue;
    }
    services.set(rootKey, {
      ...root,
      split: { name: keyOf(s.resource), backends, ...(matches ? { matches } : {}) },
    });
  }
};
