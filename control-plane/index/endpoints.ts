// Endpoints per Service from EndpointSlices, v1 Endpoints and connected sidecars (local
// mode). Readiness follows Kubernetes: ready endpoints; if a Service has none, the serving
// ones that are terminating (so a draining rollout keeps answering). In Kubernetes mode each
// endpoint carries its pod and that pod's SPIFFE ID (pod-identity.ts).
import type { ConfigIssue } from '../../api/model/result.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import type { SourcedResource } from '../sources/types.ts';
import type { LocalEndpoint } from './model.ts';
import { podNameOf, type OwnerOf } from './pod-identity.ts';
import { keyOf, ofKind } from './select.ts';

export interface EndpointIndex {
  /** Service key → endpoints, sorted by address and port. */
  readonly byService: ReadonlyMap<string, readonly Endpoint[]>;
  /** Service key → port name → number, for Services whose targetPort is a name. */
  readonly namedPorts: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

const SERVICE_LABEL = 'kubernetes.io/service-name';

interface Collected {
  ready: Endpoint[];
  fallback: Endpoint[];
  names: Map<string, number>;
}

const entry = (acc: Map<string, Collected>, key: string): Collected => {
  let c = acc.get(key);
  if (!c) acc.set(key, (c = { ready: [], fallback: [], names: new Map() }));
  return c;
};

const numberedPorts = (
  ports: readonly { name?: string | undefined; port?: number | undefined }[] | null | undefined,
) => (ports ?? []).filter((p): p is { name?: string; port: number } => p.port !== undefined);

type Conditions = { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };

/** Kubernetes semantics: ready unless said otherwise (null = unknown = ready); draining = serving while terminating. */
const readiness = (c: Conditions | undefined): 'ready' | 'draining' | 'out' => {
  if (c?.ready !== false) return 'ready';
  return c.serving !== false && c.terminating === true ? 'draining' : 'out';
};

/** address:port, plus the pod behind it and its identity when the pods are known. */
const endpointOf = (
  ownerOf: OwnerOf | undefined,
  ref: { namespace: string; address: string; targetRef: unknown },
  port: number,
): Endpoint => {
  const pod = podNameOf(ref.targetRef);
  const owner = ownerOf?.({ namespace: ref.namespace, address: ref.address, ...(pod ? { pod } : {}) });
  return { address: ref.address, port, ...owner };
};

const fromSlices = (
  all: readonly SourcedResource[],
  acc: Map<string, Collected>,
  issues: ConfigIssue[],
  ownerOf?: OwnerOf,
): void => {
  for (const s of ofKind(all, 'EndpointSlice', issues).values()) {
    const slice = s.resource;
    const service = slice.meta.labels[SERVICE_LABEL];
    if (!service) {
      issues.push({
        path: `${s.origin}: EndpointSlice ${keyOf(slice)}: metadata.labels`,
        message: `needs the label ${SERVICE_LABEL}: <service name> to say which Service it serves`,
      });
      continue;
    }
    const c = entry(acc, `${slice.meta.namespace}/${service}`);
    const ports = numberedPorts(slice.ports);
    for (const p of ports) if (p.name) c.names.set(p.name, p.port);
    const namespace = slice.meta.namespace;
    for (const e of slice.endpoints ?? []) {
      const list = { ready: c.ready, draining: c.fallback, out: undefined }[readiness(e.conditions)];
      for (const address of e.addresses)
        for (const p of ports)
          list?.push(endpointOf(ownerOf, { namespace, address, targetRef: e.targetRef }, p.port));
    }
  }
};

const fromEndpoints = (
  all: readonly SourcedResource[],
  acc: Map<string, Collected>,
  issues: ConfigIssue[],
  ownerOf?: OwnerOf,
): void => {
  for (const s of ofKind(all, 'Endpoints', issues).values()) {
    const c = entry(acc, keyOf(s.resource));
    const namespace = s.resource.meta.namespace;
    for (const subset of s.resource.subsets ?? []) {
      const ports = numberedPorts(subset.ports);
      for (const p of ports) if (p.name) c.names.set(p.name, p.port);
      for (const a of subset.addresses ?? [])
        for (const p of ports)
          c.ready.push(endpointOf(ownerOf, { namespace, address: a.ip, targetRef: a.targetRef }, p.port));
    }
  }
};

const byAddress = (a: Endpoint, b: Endpoint): number =>
  a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port;

export const indexEndpoints = (
  all: readonly SourcedResource[],
  local: readonly LocalEndpoint[],
  issues: ConfigIssue[],
  ownerOf?: OwnerOf,
): EndpointIndex => {
  const acc = new Map<string, Collected>();
  fromSlices(all, acc, issues, ownerOf);
  fromEndpoints(all, acc, issues, ownerOf);
  for (const l of local) {
    const { address, port, workload, identity } = l;
    entry(acc, `${l.namespace}/${l.service}`).ready.push({ address, port, workload, identity });
  }
  const byService = new Map<string, readonly Endpoint[]>();
  for (const [key, c] of acc) {
    // A sidecar and a static object may name the same address:port; the sidecar (added last)
    // knows the identity, so it wins.
    const unique = new Map<string, Endpoint>();
    for (const e of c.ready.length > 0 ? c.ready : c.fallback) unique.set(`${e.address}:${e.port}`, e);
    byService.set(key, [...unique.values()].sort(byAddress));
  }
  return { byService, namedPorts: new Map([...acc].map(([k, c]) => [k, c.names])) };
};
