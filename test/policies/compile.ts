// Mesh YAML → the snapshot a `frontend` sidecar would get, through the control plane's own pure
// steps (parse, index, snapshot) but without its listeners: in-process tests configure the
// outbound handler exactly as the YAML folder would, and see every issue the control plane reports.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { buildModel } from '../../control-plane/index/build-model.ts';
import type { LocalEndpoint } from '../../control-plane/index/model.ts';
import { snapshotFor } from '../../control-plane/snapshot/snapshot-for.ts';
import { parseFile } from '../../control-plane/sources/dir/parse-file.ts';

export interface Compiled {
  readonly snapshot: ProxySnapshot;
  readonly issues: readonly ConfigIssue[];
}

/** An endpoint of `service` (namespace demo) at 10.0.0.<n>:8080, the way a connected sidecar is one. */
export const endpoint = (service: string, n: number): LocalEndpoint => ({
  namespace: 'demo',
  service,
  workload: `${service}-${n}`,
  address: `10.0.0.${n}`,
  port: 8080,
  identity: `spiffe://cluster.local/ns/demo/sa/${service}`,
});

/** `firstSeenMs` is when the control plane saw every FaultInjection first (spec.duration counts from it). */
export const compileMesh = (yaml: string, endpoints: readonly LocalEndpoint[], firstSeenMs = 0): Compiled => {
  const parsed = parseFile('mesh.yaml', yaml, { defaultNamespace: 'demo' });
  if (parsed.issues.length > 0)
    throw new Error(parsed.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  const built = buildModel(parsed.resources, {
    clusterDomain: 'cluster.local',
    localEndpoints: endpoints,
    firstSeen: () => firstSeenMs,
  });
  const snapshot = snapshotFor(
    built.model,
    { name: 'frontend', namespace: 'demo', serviceAccount: 'frontend' },
    { trustDomain: 'cluster.local' },
  );
  return { snapshot, issues: built.issues };
};

/** A Service in namespace demo with one HTTP port. */
export const serviceYaml = (name: string, port = 80): string => `
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: demo }
spec: { ports: [{ name: http, port: ${port}, targetPort: 8080, appProtocol: http }] }
`;
