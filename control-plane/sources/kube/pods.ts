// Pure: Pods of meshed namespaces → who serves each pod IP (name, service account, labels).
// EndpointSlice addresses are pod IPs; this is how an endpoint gets its workload identity.
import type { PodRecord } from '../types.ts';
import type { JsonObject } from './kube-http.ts';

export interface PodWorkload extends PodRecord {
  readonly labels: Readonly<Record<string, string>>;
}

interface PodShape {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { serviceAccountName?: string };
  status?: { podIP?: string; podIPs?: { ip?: string }[]; phase?: string };
}

const FINISHED = new Set(['Succeeded', 'Failed']);

const ipsOf = (p: PodShape): string[] =>
  [p.status?.podIP, ...(p.status?.podIPs ?? []).map((i) => i.ip)].filter((ip): ip is string => !!ip);

export const podWorkloads = (
  pods: readonly JsonObject[],
  meshed: ReadonlySet<string>,
): ReadonlyMap<string, PodWorkload> => {
  const out = new Map<string, PodWorkload>();
  for (const p of pods as unknown as PodShape[]) {
    const namespace = p.metadata?.namespace ?? '';
    // A finished pod's IP may already belong to a new pod: never let it claim the address.
    if (!meshed.has(namespace) || FINISHED.has(p.status?.phase ?? '')) continue;
    const w: PodWorkload = {
      namespace,
      pod: p.metadata?.name ?? '',
      serviceAccount: p.spec?.serviceAccountName || 'default',
      labels: p.metadata?.labels ?? {},
    };
    for (const ip of ipsOf(p)) out.set(ip, w);
  }
  return out;
};
