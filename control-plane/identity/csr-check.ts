// Checks a workload CSR before anything is signed: well-formed PEM PKCS#10, proof of possession
// (its signature), an allowed key type, and exactly one SAN: the URI of a mesh SPIFFE ID.
// Only that SAN is read from the request; the CA sets every other field of the certificate itself.
import { createPublicKey } from 'node:crypto';
import { parseSpiffeId, type WorkloadIdentity } from '../../api/model/spiffe.ts';
import { err, ok, type Result } from '../../api/model/result.ts';
import { failure, type IdentityFailure } from './errors.ts';
import { x509 } from '../../api/runtime/x509.ts';

export interface CheckedCsr {
  readonly publicKey: x509.PublicKey;
  readonly spiffeId: string;
  readonly identity: WorkloadIdentity;
}

const MAX_CSR_CHARS = 16_384;
const SAN_OID = '2.5.29.17';

type Check<T> = Result<T, IdentityFailure>;

const parseCsr = (pem: string): Check<x509.Pkcs10CertificateRequest> => {
  if (pem.length > MAX_CSR_CHARS)
    return err(failure('CSR_MALFORMED', `CSR larger than ${MAX_CSR_CHARS} characters`));
  if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----'))
    return err(failure('CSR_MALFORMED', 'csr_pem must be a PEM "CERTIFICATE REQUEST" (PKCS#10)'));
  try {
    return ok(new x509.Pkcs10CertificateRequest(pem));
  } catch (e) {
    return err(failure('CSR_MALFORMED', `csr_pem does not parse as PKCS#10: ${(e as Error).message}`));
  }
};

/** ECDSA P-256 (what weft sidecars generate) or RSA >= 2048 (for bring-your-own clients). */
export const checkKeyType = (spkiDer: ArrayBuffer): Check<void> => {
  let details: { type?: string; curve?: string; bits?: number };
  try {
    const k = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    details = {
      type: k.asymmetricKeyType,
      curve: k.asymmetricKeyDetails?.namedCurve,
      bits: k.asymmetricKeyDetails?.modulusLength,
    };
  } catch {
    return err(failure('CSR_KEY_UNSUPPORTED', 'public key does not parse'));
  }
  if (details.type === 'ec' && details.curve === 'prime256v1') return ok(undefined);
  if (details.type === 'rsa' && (details.bits ?? 0) >= 2048) return ok(undefined);
  const what = details.type === 'ec' ? `EC ${details.curve}` : `${details.type} ${details.bits ?? ''}`.trim();
  return err(failure('CSR_KEY_UNSUPPORTED', `key ${what} not allowed; use ECDSA P-256 or RSA >= 2048 bits`));
};

const sanNames = (csr: x509.Pkcs10CertificateRequest): Check<readonly x509.GeneralName[]> => {
  try {
    const sans = csr.getExtensions(SAN_OID) as x509.SubjectAlternativeNameExtension[];
    return ok(sans.flatMap((s) => s.names.items));
  } catch {
    // otherName / X.400 / EDI names do not parse: they are extra SANs in any case.
    return err(failure('CSR_SAN_INVALID', 'CSR has a subjectAltName of an unsupported type'));
  }
};

const checkSan = (csr: x509.Pkcs10CertificateRequest, trustDomainHint: string): Check<string> => {
  const names = sanNames(csr);
  if (!names.ok) return names;
  const kinds = names.value.map((n) => `${n.type}:${n.value}`);
  const only = names.value[0];
  if (names.value.length !== 1 || only?.type !== 'url')
    return err(
      failure(
        'CSR_SAN_INVALID',
        `CSR must carry exactly one URI SAN spiffe://${trustDomainHint}/ns/<ns>/sa/<sa> and no DNS/IP/email SANs (got ${kinds.join(', ') || 'none'})`,
      ),
    );
  return ok(only.value);
};

/**
 * A CSR that parses as PKCS#10 can still hold fields (e.g. EC parameters) that the ASN.1 library
 * only rejects when they are read; any such throw is a malformed CSR, never a crash of the CA.
 */
export const checkCsr = (pem: string, trustDomain: string): Promise<Check<CheckedCsr>> =>
  checkCsrFields(pem, trustDomain).catch((e: unknown) =>
    err(failure('CSR_MALFORMED', `CSR fields do not parse: ${(e as Error).message}`)),
  );

const checkCsrFields = async (pem: string, trustDomain: string): Promise<Check<CheckedCsr>> => {
  const parsed = parseCsr(pem);
  if (!parsed.ok) return parsed;
  const csr = parsed.value;
  const key = checkKeyType(csr.publicKey.rawData);
  if (!key.ok) return key;
  const valid = await csr.verify().catch(() => false);
  if (!valid)
    return err(failure('CSR_SIGNATURE_INVALID', 'CSR signature does not verify with its own public key'));
  const san = checkSan(csr, trustDomain);
  if (!san.ok) return san;
  const identity = parseSpiffeId(san.value);
  if (!identity)
    return err(
      failure('CSR_SAN_INVALID', `URI SAN ${san.value} is not spiffe://<trust-domain>/ns/<ns>/sa/<sa>`),
    );
  return ok({ publicKey: csr.publicKey, spiffeId: san.value, identity });
};
