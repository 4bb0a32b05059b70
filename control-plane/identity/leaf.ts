// Builds a workload X.509-SVID: SPIFFE URI SAN, not a CA, signature + key-agreement use for TLS
// client and server auth, notBefore backdated so peers with slightly slow clocks accept it.
import type { SigningKey } from './ca-key.ts';
import { randomSerial } from './root.ts';
import { x509 } from '../../api/runtime/x509.ts';

export interface LeafRequest {
  readonly issuer: x509.X509Certificate;
  readonly signer: SigningKey;
  readonly publicKey: x509.PublicKey;
  readonly spiffeId: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** Authority key identifier of the issuer, computed once per authority. */
  readonly authorityKeyId: x509.AuthorityKeyIdentifierExtension;
  /** DNS names besides the SPIFFE ID (the control plane's own serving certificate). */
  readonly dnsNames?: readonly string[];
}

const LEAF_USAGE = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;

export const issueLeaf = async (r: LeafRequest): Promise<string> => {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    issuer: r.issuer.subjectName,
    // SPIFFE identifies by the URI SAN; the subject only helps people reading `openssl x509 -text`.
    subject: [{ O: ['weft'] }],
    notBefore: new Date(r.notBeforeMs),
    notAfter: new Date(r.notAfterMs),
    publicKey: r.publicKey,
    signingKey: r.signer.key,
    signingAlgorithm: r.signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(LEAF_USAGE, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'url', value: r.spiffeId },
          ...(r.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
        ],
        false,
      ),
      r.authorityKeyId,
    ],
  });
  return cert.toString('pem') + '\n';
};
