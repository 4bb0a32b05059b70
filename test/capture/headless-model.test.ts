// Headless Services from both sources to the outbound lookup: a Service with `clusterIP: None`
// and its EndpointSlice (Kubernetes mode: each endpoint's targetRef names its pod, whose service
// account is the SPIFFE ID to pin), or the same Service in a local-mode folder with sidecars
// registering their pod IPs. The compiled snapshot must let a client sidecar match a pod
// IP:port to that one pod with its identity, and must not invent a virtual IP for the Service.
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../control-plane/index/build-model.ts';
import type { LocalEndpoint } from '../../control-plane/index/model.ts';
import { podOwners } from '../../control-plane/index/pod-identity.ts';
import { snapshotFor } from '../../control-plane/snapshot/snapshot-for.ts';
import { parseFile } from '../../control-plane/sources/dir/parse-file.ts';
import type { PodRecord } from '../../control-plane/sources/types.ts';
import { destinationIndex } from '../../proxy/capture/by-destination.ts';

const HEADLESS = `apiVersion: v1
kind: Service
metadata: { name: db, namespace: data }
spec:
  clusterIP: None
  ports: [{ name: pg, port: 5432, targetPort: 5432, appProtocol: tcp }]
---
`;
const SLICE = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-x1, namespace: data, labels: { kubernetes.io/service-name: db } }
addressType: IPv4
endpoints:
  - { addresses: [10.244.1.7], hostname: db-0, targetRef: { kind: Pod, name: db-0, namespace: data } }
  - { addresses: [10.244.2.9], hostname: db-1, targetRef: { kind: Pod, name: db-1, namespace: data } }
ports: [{ name: pg, port: 5432, protocol: TCP }]
`;

const compile = (yaml: string, opts: { local?: LocalEndpoint[]; pods?: Map<string, PodRecord> }) => {
  const parsed = parseFile('mesh/db.yaml', yaml, { defaultNamespace: 'default' });
  expect(parsed.issues).toEqual([]);
  const { model, issues } = buildModel(parsed.resources, {
    clusterDomain: 'cluster.local',
    localEndpoints: opts.local ?? [],
    firstSeen: () => 0,
    ...(opts.pods ? { ownerOf: podOwners(opts.pods, 'cluster.local') } : {}),
  });
  expect(issues).toEqual([]);
  const client = { name: 'app-0', namespace: 'data', serviceAccount: 'app' };
  return snapshotFor(model, client, { trustDomain: 'cluster.local' });
};

describe('headless Services reach the outbound lookup', () => {
  it('Kubernetes mode: EndpointSlice endpoints with their pods identities, matched by pod IP', () => {
    const pods = new Map<string, PodRecord>([
      ['10.244.1.7', { namespace: 'data', pod: 'db-0', serviceAccount: 'postgres' }],
      ['10.244.2.9', { namespace: 'data', pod: 'db-1', serviceAccount: 'postgres-replica' }],
    ]);
    const snapshot = compile(HEADLESS + SLICE, { pods });
    expect(snapshot.services['data/db']?.clusterIPs).toBeUndefined();
    const index = destinationIndex(snapshot.services);
    expect(index.lookup('10.244.2.9', 5432)?.endpoint).toEqual({
      address: '10.244.2.9',
      port: 5432,
      workload: 'db-1',
      identity: 'spiffe://cluster.local/ns/data/sa/postgres-replica',
    });
    expect(index.lookup('10.244.1.7', 5432)?.endpoint?.identity).toBe(
      'spiffe://cluster.local/ns/data/sa/postgres',
    );
    expect(index.lookup('10.244.1.7', 5432)?.port.protocol).toBe('tcp');
  });

  it('local mode: sidecars registering their pod IPs are matched the same way', () => {
    const local: LocalEndpoint[] = ['db-0', 'db-1'].map((workload, i) => ({
      namespace: 'data',
      service: 'db',
      workload,
      address: `10.214.0.${i + 2}`,
      port: 15006,
      identity: 'spiffe://cluster.local/ns/data/sa/db',
    }));
    const index = destinationIndex(compile(HEADLESS, { local }).services);
    expect(index.lookup('10.214.0.3', 5432)?.endpoint).toMatchObject({ workload: 'db-1', port: 15006 });
    expect(index.lookup('10.214.0.3', 15006)).toBeUndefined();
  });
});
