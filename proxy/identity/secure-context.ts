// Builds the TLS context used for both mesh directions: own key + chain, and the mesh trust
// bundle as the only CA list (never the system roots). TLS 1.3 only inside the mesh.
import { createSecureContext, type SecureContext } from 'node:tls';

export interface ContextMaterial {
  readonly privateKeyPem: string;
  /** Leaf first, then intermediates. */
  readonly chainPem: readonly string[];
  readonly trustBundlePem: readonly string[];
}

export const buildSecureContext = (m: ContextMaterial): SecureContext =>
  createSecureContext({
    key: m.privateKeyPem,
    cert: m.chainPem.join(''),
    ca: [...m.trustBundlePem],
    minVersion: 'TLSv1.3',
  });
