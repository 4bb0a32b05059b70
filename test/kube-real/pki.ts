// The key material of one throwaway cluster, written into its folder: a fresh CA, the API server's
// serving certificate for loopback, client certificates for the admin and the controller manager,
// and the service-account token signing key pair.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestCa, type CertKeyPair, type TestCa } from '../kube-apiserver/certs.ts';

export interface ClusterPki {
  readonly ca: TestCa;
  readonly admin: CertKeyPair;
  readonly controllerManager: CertKeyPair;
  /** Paths of the files the processes read. */
  readonly files: {
    readonly caCert: string;
    readonly servingCert: string;
    readonly servingKey: string;
    readonly serviceAccountKey: string;
    readonly serviceAccountPub: string;
  };
}

export const writeClusterPki = (dir: string): ClusterPki => {
  const ca = makeTestCa('weft-kube-real-ca');
  const serving = ca.issue({
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ips: ['127.0.0.1', '10.0.0.1'],
  });
  // ECDSA P-256 signs service-account tokens (ES256); PKCS#8/SPKI PEM is what both binaries read.
  const sa = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const files = {
    caCert: join(dir, 'ca.crt'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
  writeFileSync(files.caCert, ca.cert);
  writeFileSync(files.servingCert, serving.cert);
  writeFileSync(files.servingKey, serving.key, { mode: 0o600 });
  writeFileSync(files.serviceAccountKey, sa.privateKey, { mode: 0o600 });
  writeFileSync(files.serviceAccountPub, sa.publicKey);
  return {
    ca,
    admin: ca.issue({ commonName: 'weft-admin', organisations: ['system:masters'] }),
    controllerManager: ca.issue({ commonName: 'system:kube-controller-manager' }),
    files,
  };
};
