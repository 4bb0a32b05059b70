// Builds the TLS context used for both mesh directions: own key + chain, and the mesh trust
// bundle as the only CA list (never the system roots). TLS 1.3 only inside the mesh.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsCredentials } from '../transport/tls-material.ts';

export interface ContextMaterial {
  readonly privateKeyPem: string;
  /** Leaf first, then intermediates. */
  readonly chainPem: readonly string[];
  readonly trustBundlePem: readonly string[];
}

export const credentialsOf = (m: ContextMaterial): TlsCredentials => ({
  key: m.privateKeyPem,
  cert: m.chainPem.join(''),
  ca: [...m.trustBundlePem],
});

export const buildSecureContext = (m: ContextMaterial): SecureContext =>
  createSecureContext({ ...credentialsOf(m), minVersion: 'TLSv1.3' });
