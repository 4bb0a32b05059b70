// What the admin /certs page shows of the sidecar's TLS material: each certificate of its chain
// and each trusted root with SPIFFE IDs, issuer, serial and validity. Public parts only: the
// private key is never read here.
import { X509Certificate } from 'node:crypto';
import { uriSans } from '../../api/model/subject-alt-name.ts';
import type { TlsMaterial } from '../transport/tls-material.ts';

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly spiffeIds: readonly string[];
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Seconds until notAfter (negative once expired), at the time of the report. */
  readonly expiresInSeconds: number;
  readonly fingerprint256: string;
}

export interface CertReport {
  /** false: no workload certificate (no --token-file), so sidecar-to-sidecar traffic is plaintext. */
  readonly mtls: boolean;
  readonly identity?: string;
  /** Leaf first. */
  readonly chain: readonly CertificateInfo[];
  readonly roots: readonly CertificateInfo[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const pemsOf = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).flatMap((x: unknown) =>
    typeof x === 'string' || Buffer.isBuffer(x) ? (x.toString().match(PEM_BLOCK) ?? []) : [],
  );

const infoOf = (pem: string, nowMs: number): CertificateInfo => {
  const c = new X509Certificate(pem);
  return {
    subject: c.subject.replaceAll('\n', ', '),
    issuer: c.issuer.replaceAll('\n', ', '),
    spiffeIds: uriSans(c.subjectAltName).filter((u) => u.startsWith('spiffe://')),
    serialNumber: c.serialNumber,
    notBefore: c.validFromDate.toISOString(),
    notAfter: c.validToDate.toISOString(),
    expiresInSeconds: Math.floor((c.validToDate.getTime() - nowMs) / 1000),
    fingerprint256: c.fingerprint256,
  };
};

export const certReport = (tls: TlsMaterial | undefined, nowMs: number): CertReport => {
  if (!tls) return { mtls: false, chain: [], roots: [] };
  const { cert, ca } = tls.credentials();
  return {
    mtls: true,
    identity: tls.identity(),
    chain: pemsOf(cert).map((p) => infoOf(p, nowMs)),
    roots: pemsOf(ca).map((p) => infoOf(p, nowMs)),
  };
};
