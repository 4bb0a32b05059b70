// The control plane's own TLS identity on its gRPC port (discovery and CSRs) in a cluster: a key
// made here, a certificate from its own CA for its SPIFFE ID and Service DNS names, renewed at half
// its lifetime (injected clock) or on demand (root rotation). grpc-js takes it through a
// CertificateProvider, so the bound listener swaps certificates without a restart. Sidecars verify
// it with the trust bundle they already hold for mesh peers.
import { KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import type { CertificateAuthority } from './ca.ts';
import type { TokenSubject } from './token-validator.ts';
import { subtle, x509 } from '../../api/runtime/x509.ts';

type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

export interface ServingIdentityOptions {
  readonly ca: CertificateAuthority;
  /** The control plane's service account, e.g. weft-system/weft-control-plane. */
  readonly identity: TokenSubject;
  /** Names sidecars dial, e.g. weft-control-plane.weft-system.svc. */
  readonly dnsNames: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ServingIdentity {
  /** For the gRPC server: follows every renewal. */
  readonly credentials: grpc.ServerCredentials;
  /** The certificate served now (leaf first). */
  current(): { readonly certChainPem: readonly string[]; readonly notAfterMs: number };
  /** Issue a new certificate now (after the CA's roots changed), and re-arm the timer. */
  renew(): Promise<void>;
  /**
   * After the CA's roots changed: renews only once the root this certificate chains to has left
   * the trust bundle. While it is still trusted the certificate stays, so a sidecar whose mounted
   * roots file has not caught up with the new root yet can still open channels.
   */
  followRoots(): Promise<void>;
  close(): void;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

const newKey = async (): Promise<{ publicKey: x509.PublicKey; keyPem: string }> => {
  const keys = await subtle.generateKey(EC, true, ['sign', 'verify']);
  const spki = await subtle.exportKey('spki', keys.publicKey);
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { publicKey: new x509.PublicKey(spki), keyPem };
};

export const servingIdentity = async (o: ServingIdentityOptions): Promise<ServingIdentity> => {
  const log = o.logger.child({ component: 'control-plane.identity.serving' });
  const listeners = new Set<IdentityListener>();
  let latest: grpc.experimental.IdentityCertificateUpdate | undefined;
  let served = { certChainPem: [] as readonly string[], notAfterMs: 0 };
  let servedRoot: string | undefined; // the active root when it was issued
  let timer: TimerHandle | undefined;
  let closed = false;

  const renew = async (): Promise<void> => {
    if (timer) o.clock.clearTimeout(timer);
    const { publicKey, keyPem } = await newKey();
    const issued = await o.ca.issueServing({ publicKey, identity: o.identity, dnsNames: o.dnsNames });
    if (closed) return;
    served = { certChainPem: issued.certChainPem, notAfterMs: issued.notAfterMs };
    servedRoot = issued.trustBundlePem[0];
    latest = { certificate: Buffer.from(issued.certChainPem.join('')), privateKey: Buffer.from(keyPem) };
    for (const l of listeners) l(latest);
    log.info(
      { spiffeId: issued.spiffeId, dnsNames: o.dnsNames, notAfterMs: issued.notAfterMs },
      'serving certificate issued',
    );
    // Half the lifetime left is the usual margin: time to retry if the CA is briefly unhappy.
    const wait = Math.max(1_000, (issued.notAfterMs - o.clock.wallNow()) / 2);
    timer = o.clock.setTimeout(() => {
      renew().catch((e: unknown) => log.error({ err: e }, 'renewing the serving certificate failed'));
    }, wait);
    timer.unref?.();
  };
  await renew();

  const provider: grpc.experimental.CertificateProvider = {
    addCaCertificateListener: () => undefined, // sidecars are not asked for certificates here
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener(l) {
      listeners.add(l);
      // Later, not now: grpc-js subscribes here before it registers the server's watcher, and
      // an update delivered meanwhile would leave the listener dropping every connection.
      queueMicrotask(() => latest && listeners.has(l) && l(latest));
    },
    removeIdentityCertificateListener: (l) => void listeners.delete(l),
  };
  return {
    // grpc-js's first argument is the identity provider; no CA provider: clients are not verified
    // by TLS (CSRs carry a token, discovery carries nothing secret).
    credentials: grpc.experimental.createCertificateProviderServerCredentials(provider, null, false),
    current: () => served,
    renew,
    followRoots: async () => {
      if (servedRoot === undefined || o.ca.trustBundle().includes(servedRoot)) return;
      log.info('the root of the serving certificate is no longer trusted: renewing');
      await renew();
    },
    close() {
      closed = true;
      if (timer) o.clock.clearTimeout(timer);
      listeners.clear();
    },
  };
};
