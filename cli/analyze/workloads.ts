// Who serves a Service, from objects the control plane itself does not read: pod templates of
// Kubernetes workloads (labels matched against the Service's selector, and their service account)
// and `weft dev`'s DevWorkloads (which name their Service). Offline analysis has no live
// endpoints, so this is the evidence that a Service will have some.
import type { RawObject } from './load-files.ts';

export interface Workload {
  readonly origin: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  /** Pod labels (Kubernetes workloads). */
  readonly labels: Readonly<Record<string, string>>;
  /** Services named outright (DevWorkload spec.service). */
  readonly services: readonly string[];
}

type Obj = Readonly<Record<string, unknown>>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const labelsOf = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

const POD_TEMPLATE_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
]);

/** The pod (metadata + spec) a workload object runs, if it runs one. */
const podOf = (o: Obj): Obj | undefined => {
  const kind = str(o.kind) ?? '';
  if (kind === 'Pod') return o;
  if (POD_TEMPLATE_KINDS.has(kind)) return obj(obj(o.spec).template);
  if (kind === 'CronJob') return obj(obj(obj(obj(o.spec).jobTemplate).spec).template);
  return undefined;
};

const workloadOf = (r: RawObject, defaultNamespace: string): Workload | undefined => {
  const md = obj(r.object.metadata);
  const name = str(md.name) ?? '<no name>';
  const namespace = str(md.namespace) ?? defaultNamespace;
  const spec = obj(r.object.spec);
  if (r.object.kind === 'DevWorkload') {
    const service = str(spec.service);
    return {
      origin: r.origin,
      namespace,
      name,
      serviceAccount: str(spec.serviceAccount) ?? name,
      labels: {},
      services: service ? [service] : [],
    };
  }
  const pod = podOf(r.object);
  if (!pod) return undefined;
  const podSpec = obj(pod.spec);
  return {
    origin: r.origin,
    namespace,
    name,
    serviceAccount: str(podSpec.serviceAccountName) ?? str(podSpec.serviceAccount) ?? 'default',
    labels: labelsOf(obj(pod.metadata).labels),
    services: [],
  };
};

export const workloadsOf = (raw: readonly RawObject[], defaultNamespace: string): Workload[] =>
  raw.flatMap((r) => workloadOf(r, defaultNamespace) ?? []);

/** Does this workload back Service `namespace/name` (with that selector)? */
export const serves = (
  w: Workload,
  service: { namespace: string; name: string; selector?: Readonly<Record<string, string>> | undefined },
): boolean => {
  if (w.namespace !== service.namespace) return false;
  if (w.services.includes(service.name)) return true;
  const selector = Object.entries(service.selector ?? {});
  return selector.length > 0 && selector.every(([k, v]) => w.labels[k] === v);
};
