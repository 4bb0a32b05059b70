// A fresh ECDSA P-256 key and a CSR for the sidecar's SPIFFE ID. The private key stays in this
// process: it is exported to PEM only to build the in-memory TLS context, never written or sent.
import type { webcrypto } from 'node:crypto';
import { subtle, x509 } from './x509.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface WorkloadKey {
  readonly privateKeyPem: string;
  readonly csrPem: string;
}

const toPem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;

export const generateWorkloadKey = async (spiffeId: string): Promise<WorkloadKey> => {
  const keys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: EC,
    // The CA reads only this SAN; the subject stays empty (SPIFFE X.509-SVID).
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }])],
  });
  return {
    privateKeyPem: toPem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)),
    csrPem: csr.toString('pem'),
  };
};
