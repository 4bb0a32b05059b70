// A signing authority (root or operator-supplied intermediate) loaded from PEM, checked once at
// load: it is a CA, its key matches, and its chain ends at a self-signed root for the bundle.
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import { importSigningKey, type SigningKey } from './ca-key.ts';
import { x509 } from '../../api/runtime/x509.ts';

export interface AuthorityPem {
  /** Names the authority in issues and logs (the CA-directory entry name). */
  readonly id: string;
  /** The signing certificate: a self-signed root or an intermediate. */
  readonly certPem: string;
  /** Absent for a trust-only root (kept in the bundle during rotation, never signs). */
  readonly keyPem?: string;
  /** For an intermediate: the certificates above it, up to and including the root. */
  readonly chainPem?: string;
}

export interface Authority {
  readonly id: string;
  readonly cert: x509.X509Certificate;
  readonly signer?: SigningKey;
  /** Sent after the leaf: the signer itself when it is an intermediate, then those above it, no root. */
  readonly chainPem: readonly string[];
  /** The self-signed root this authority chains to: what peers put in their trust bundle. */
  readonly rootPem: string;
  readonly notAfterMs: number;
}

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
export const splitPems = (text: string): string[] => (text.match(CERT_RE) ?? []).map((p) => `${p}\n`);

const parseCert = (pem: string): x509.X509Certificate | undefined => {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    return undefined;
  }
};

const isSelfSigned = async (c: x509.X509Certificate): Promise<boolean> =>
  c.subject === c.issuer && (await c.isSelfSigned().catch(() => false));

const isCa = (c: x509.X509Certificate): boolean =>
  c.getExtension(x509.BasicConstraintsExtension)?.ca === true;

/** Root and intermediates of a signer; issues when the chain does not end at a self-signed root. */
const resolveChain = async (
  a: AuthorityPem,
  cert: x509.X509Certificate,
): Promise<Result<{ chainPem: string[]; rootPem: string }>> => {
  if (await isSelfSigned(cert)) return ok({ chainPem: [], rootPem: splitPems(a.certPem)[0] as string });
  const chain = splitPems(a.chainPem ?? '');
  const top = chain.at(-1);
  const topCert = top === undefined ? undefined : parseCert(top);
  if (!top || !topCert || !(await isSelfSigned(topCert)))
    return err([
      {
        path: `${a.id}/chain.pem`,
        message:
          'an intermediate needs chain.pem with the certificates above it, ending at the self-signed root',
      },
    ]);
  return ok({ chainPem: [splitPems(a.certPem)[0] as string, ...chain.slice(0, -1)], rootPem: top });
};

const loadSigner = async (
  a: AuthorityPem,
  cert: x509.X509Certificate,
): Promise<Result<SigningKey | undefined>> => {
  if (a.keyPem === undefined) return ok(undefined);
  const signer = await importSigningKey(a.keyPem);
  if (!signer.ok) return err(signer.error.map((i) => ({ path: `${a.id}/key.pem`, message: i.message })));
  if (!Buffer.from(cert.publicKey.rawData).equals(signer.value.spki))
    return err([{ path: `${a.id}/key.pem`, message: 'private key does not match cert.pem' }]);
  return signer;
};

export const loadAuthority = async (a: AuthorityPem): Promise<Result<Authority>> => {
  const cert = parseCert(a.certPem);
  if (!cert) return err([{ path: `${a.id}/cert.pem`, message: 'not a PEM X.509 certificate' }]);
  const issues: ConfigIssue[] = [];
  if (!isCa(cert))
    issues.push({ path: `${a.id}/cert.pem`, message: 'not a CA certificate (basicConstraints CA:TRUE)' });
  const chain = await resolveChain(a, cert);
  if (!chain.ok) issues.push(...chain.error);
  const signer = await loadSigner(a, cert);
  if (!signer.ok) issues.push(...signer.error);
  if (!chain.ok || !signer.ok || issues.length > 0) return err(issues);
  return ok({
    id: a.id,
    cert,
    ...(signer.value ? { signer: signer.value } : {}),
    chainPem: chain.value.chainPem,
    rootPem: chain.value.rootPem,
    notAfterMs: cert.notAfter.getTime(),
  });
};
