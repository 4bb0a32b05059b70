// TLS on the control plane's gRPC port in Kubernetes mode: the certificate comes from the mesh CA
// (the control plane's SPIFFE ID and Service DNS names); a sidecar that trusts the mesh roots and
// expects that SPIFFE ID gets its snapshots and certificates; one trusting another root, expecting
// another identity or speaking plaintext gets neither.
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneCredentials } from '../../api/runtime/control-plane-tls.ts';
import { seededRandom } from '../../api/runtime/clock.ts';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import { generateRoot } from '../../control-plane/identity/root.ts';
import { connectDiscovery } from '../../proxy/discovery/grpc-source.ts';
import { spiffe } from '../identity/fixtures.ts';
import { startKubeApiServer, type KubeApiServer } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { quietLogger, replicaOptions, seedShop, signAsWeb } from './helpers.ts';

const logger = quietLogger();
const CP_ID = spiffe('weft-system', 'weft-control-plane');
const DNS = ['weft-control-plane.weft-system.svc', 'weft-control-plane.weft-system.svc.cluster.local'];
let api: KubeApiServer;
let cp: RunningKubeControlPlane;

beforeAll(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  seedShop(api);
  cp = await startKubeControlPlane({ ...replicaOptions(api, 'cp-a', logger), grpcTls: { dnsNames: DNS } });
});
afterAll(async () => {
  await cp?.close();
  await api?.close();
});

const csr = (credentials: grpc.ChannelCredentials) => signAsWeb(cp.grpcAddress, credentials);

describe('gRPC over TLS in Kubernetes mode', () => {
  it('serves a certificate from the mesh CA for its SPIFFE ID and Service names', () => {
    const leaf = new X509Certificate(cp.serving!.current().certChainPem[0]!);
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual(
      [`URI:${CP_ID}`, ...DNS.map((d) => `DNS:${d}`)].sort(),
    );
    expect(leaf.verify(new X509Certificate(cp.ca.trustBundle()[0]!).publicKey)).toBe(true);
  });

  it('a sidecar trusting the mesh roots gets its snapshot and its certificate over TLS', async () => {
    const credentials = controlPlaneCredentials(cp.ca.trustBundle(), CP_ID);
    const discovery = connectDiscovery({
      address: cp.grpcAddress,
      node: { workload: 'web-0', namespace: 'shop', serviceAccount: 'web' },
      logger,
      random: seededRandom(1),
      credentials,
    });
    try {
      expect(Object.keys((await discovery.ready()).services)).toContain('shop/web');
    } finally {
      await discovery.close();
    }
    expect(await csr(credentials)).toBe('signed');
  });

  it('refuses another root, another identity, and plaintext', async () => {
    const otherRoot = await generateRoot({
      trustDomain: 'cluster.local',
      clock: { wallNow: () => Date.now() },
    });
    expect(await csr(controlPlaneCredentials([otherRoot.certPem], CP_ID))).toMatch(/^UNAVAILABLE/);
    const impostor = await csr(controlPlaneCredentials(cp.ca.trustBundle(), spiffe('weft-system', 'other')));
    expect(impostor).toMatch(/^UNAVAILABLE/);
    expect(await csr(grpc.credentials.createInsecure())).toMatch(/^UNAVAILABLE/);
  });
});
