// Creates a self-signed ECDSA P-256 root: the default CA when the operator brings none, and the
// new root of `weft ca rotate --stage add`.
import { KeyObject, randomBytes, type webcrypto } from 'node:crypto';
import type { Clock } from '../../api/runtime/clock.ts';
import { subtle, x509 } from '../../api/runtime/x509.ts';

export interface RootFiles {
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
}

export interface RootOptions {
  readonly trustDomain: string;
  readonly clock: Pick<Clock, 'wallNow'>;
  /** Default 10 years. */
  readonly validityMs?: number;
  /** Distinguishes roots during rotation; goes into the subject CN. */
  readonly label?: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/** 16 random bytes, high bit cleared so the DER INTEGER stays positive (RFC 5280 4.1.2.2). */
export const randomSerial = (): string => {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f;
  return b.toString('hex');
};

export const generateRoot = async (o: RootOptions): Promise<RootFiles> => {
  const keys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = o.clock.wallNow();
  const label = o.label ?? new Date(now).toISOString().slice(0, 10);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ O: ['weft'] }, { OU: [o.trustDomain] }, { CN: [`weft root ${label}`] }],
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + (o.validityMs ?? TEN_YEARS_MS)),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { certPem: cert.toString('pem') + '\n', keyPem };
};
