// Imports a CA private key from PEM (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY")
// into WebCrypto for signing. Supported: ECDSA P-256/P-384 and RSA >= 2048 (PKCS#1 v1.5, SHA-256).
import { createPrivateKey, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { err, ok, type Result } from '../../api/model/result.ts';
import { subtle } from '../../api/runtime/x509.ts';

export type SigningAlgorithm = { name: 'ECDSA'; hash: string } | { name: 'RSASSA-PKCS1-v1_5'; hash: string };

export interface SigningKey {
  readonly key: webcrypto.CryptoKey;
  readonly algorithm: SigningAlgorithm;
  /** DER SubjectPublicKeyInfo of the matching public key, to check it against the certificate. */
  readonly spki: Buffer;
}

const EC_CURVES: Readonly<Record<string, { webName: string; hash: string }>> = {
  prime256v1: { webName: 'P-256', hash: 'SHA-256' },
  secp384r1: { webName: 'P-384', hash: 'SHA-384' },
};

type ImportPlan = {
  importAlg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  algorithm: SigningAlgorithm;
};

const planFor = (k: KeyObject): Result<ImportPlan> => {
  const details = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'ec') {
    const curve = EC_CURVES[details.namedCurve ?? ''];
    if (!curve)
      return err([
        { path: 'key', message: `EC curve ${details.namedCurve} unsupported; use P-256 or P-384` },
      ]);
    return ok({
      importAlg: { name: 'ECDSA', namedCurve: curve.webName },
      algorithm: { name: 'ECDSA', hash: curve.hash },
    });
  }
  if (k.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) {
    return ok({
      importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      algorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    });
  }
  return err([
    {
      path: 'key',
      message: `${k.asymmetricKeyType} key (${details.modulusLength ?? '?'} bits) unsupported; use ECDSA P-256/P-384 or RSA >= 2048`,
    },
  ]);
};

export const importSigningKey = async (keyPem: string): Promise<Result<SigningKey>> => {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(keyPem);
  } catch (e) {
    return err([{ path: 'key', message: `not a PEM private key (${(e as Error).message})` }]);
  }
  const plan = planFor(keyObject);
  if (!plan.ok) return plan;
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  // Not extractable: once imported, the CA key cannot be read back out of WebCrypto.
  const key = await subtle.importKey('pkcs8', pkcs8, plan.value.importAlg, false, ['sign']);
  const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
  return ok({ key, algorithm: plan.value.algorithm, spki });
};
