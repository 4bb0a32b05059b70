// A fresh ECDSA P-256 key and a CSR for the sidecar's SPIFFE ID. The private key stays in this
// process: it is exported to PEM to build the TLS context and, only with a state directory
// (persisted-identity.ts: the pod's in-memory volume), kept there for restarts; it is never sent.
import { KeyObject, type webcrypto } from 'node:crypto';
import { subtle, x509 } from '../../api/runtime/x509.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface WorkloadKey {
  readonly privateKeyPem: string;
  readonly csrPem: string;
}

export const generateWorkloadKey = async (spiffeId: string): Promise<WorkloadKey> => {
  const keys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: EC,
    // The CA reads only this SAN; the subject stays empty (SPIFFE X.509-SVID).
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }])],
  });
  return {
    privateKeyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string,
    csrPem: csr.toString('pem'),
  };
};
