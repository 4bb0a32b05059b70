// The webhook listener's TLS for `weft install`: a small self-signed CA and a serving certificate
// for the control plane's Service DNS names. The API server trusts the CA through the caBundle of
// the CRD conversion and the MutatingWebhookConfiguration; nothing else ever trusts it.
import { KeyObject, type webcrypto } from 'node:crypto';
import { randomSerial } from '../../control-plane/identity/root.ts';
import { subtle, x509 } from '../../api/runtime/x509.ts';

export interface WebhookTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

const keyPair = async (): Promise<webcrypto.CryptoKeyPair> =>
  (await subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

/** DNS names the API server may use for a Service reference. */
export const serviceDnsNames = (service: string, namespace: string): string[] => [
  `${service}.${namespace}.svc`,
  `${service}.${namespace}.svc.cluster.local`,
  `${service}.${namespace}`,
  service,
];

export const generateWebhookTls = async (o: {
  readonly service: string;
  readonly namespace: string;
  readonly nowMs: number;
  /** Default 10 years: rotating means re-running `weft install` (docs/kubernetes.md). */
  readonly validityMs?: number;
}): Promise<WebhookTls> => {
  const notBefore = new Date(o.nowMs - 3_600_000);
  const notAfter = new Date(o.nowMs + (o.validityMs ?? 3650 * DAY));
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ O: ['weft'] }, { CN: ['weft webhook CA'] }],
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const leafKeys = await keyPair();
  const dnsNames = serviceDnsNames(o.service, o.namespace);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    issuer: ca.subjectName,
    subject: [{ CN: [dnsNames[0] ?? o.service] }],
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  return {
    caPem: `${ca.toString('pem')}\n`,
    certPem: `${leaf.toString('pem')}\n`,
    keyPem: KeyObject.from(leafKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string,
  };
};
