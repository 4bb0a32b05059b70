// The sidecar's workload identity: obtains a certificate for its SPIFFE ID from the CA (key made
// here, never sent), renews it at ~70 % of its lifetime with jitter, retries with back-off while
// the CA is down, and swaps the TLS context so new handshakes use the new certificate while open
// connections keep the one they negotiated. Implements transport/tls-material.ts.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { systemClock, type Clock, type Random, type TimerHandle } from '../../api/runtime/clock.ts';
import type { SignResponse } from '../../api/proto/identity.ts';
import type { TlsCredentials, TlsMaterial } from '../transport/tls-material.ts';
import { grpcCaSigner, type CaSigner } from './ca-client.ts';
import { backoffMs, DEFAULT_RENEWAL, renewAt, type RenewalPolicy } from './renewal.ts';
import { buildSecureContext, credentialsOf, type ContextMaterial } from './secure-context.ts';
import { generateWorkloadKey } from './workload-key.ts';
import type { StoredIdentity } from './persisted-identity.ts';
import { uriSans } from '../../api/model/subject-alt-name.ts';

export interface IdentityOptions {
  /** host:port of the CA; ignored when `signer` is given. */
  readonly caAddress?: string;
  /** A fixed token, or a provider read before every request (projected tokens rotate on disk). */
  readonly token?: string;
  readonly tokenProvider?: () => Promise<string>;
  /** Own SPIFFE ID, spiffe://<trust-domain>/ns/<ns>/sa/<sa>. */
  readonly identity: string;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  /** Transport to the CA; default gRPC to `caAddress`. */
  readonly signer?: CaSigner;
  readonly renewal?: Partial<RenewalPolicy>;
  /**
   * A still-valid certificate from the state directory (persisted-identity.ts loadIdentity):
   * installed at once, so ready() resolves without the CA; renewal is scheduled from now.
   */
  readonly initial?: StoredIdentity;
  /** Called with the certificate, key and bundle after every change (identitySaver). */
  readonly persist?: (s: StoredIdentity) => void;
}

export interface SidecarIdentity extends TlsMaterial {
  /** Resolves once the first certificate is in place; rejects if closed before that. */
  ready(): Promise<void>;
  close(): void;
  /** notAfter (epoch ms) of the current certificate; undefined before the first one. */
  expiresAt(): number | undefined;
  /** Replace the roots peers are checked against (from the snapshot); rebuilds the context. */
  setTrustBundle(pems: readonly string[]): void;
  trustBundle(): readonly string[];
  /** Current chain, leaf first. */
  certificateChain(): readonly string[];
  /** Renew now (root rotation, admin); no-op while a request is in flight. */
  renewNow(): void;
  /** Called after every context change (new certificate or new bundle); returns unsubscribe. */
  onChange(listener: () => void): () => void;
}

// Node timers overflow above 2^31-1 ms (~24.8 days); longer waits are taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Issued {
  readonly privateKeyPem: string;
  readonly chainPem: readonly string[];
  readonly notAfterMs: number;
}

/** Refuses a response that is not a certificate for our key and identity, whatever the CA says. */
const acceptResponse = (res: SignResponse, privateKeyPem: string, identity: string): Issued => {
  const leafPem = res.cert_chain_pem[0];
  if (!leafPem) throw new Error('CA returned an empty certificate chain');
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkPrivateKey(createPrivateKey(privateKeyPem)))
    throw new Error('CA certificate is not for our key');
  if (!uriSans(leaf.subjectAltName).includes(identity))
    throw new Error(`CA certificate names ${leaf.subjectAltName}, not ${identity}`);
  return { privateKeyPem, chainPem: [...res.cert_chain_pem], notAfterMs: Number(res.not_after) };
};

export const startIdentity = (o: IdentityOptions): SidecarIdentity => {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const policy: RenewalPolicy = { ...DEFAULT_RENEWAL, ...o.renewal };
  const log = o.logger?.child({ component: 'proxy.identity', identity: o.identity });
  const signer = o.signer ?? grpcCaSigner({ address: o.caAddress ?? '' });
  const token = o.tokenProvider ?? (async () => o.token ?? '');
  const listeners = new Set<() => void>();
  let issued: Issued | undefined;
  let bundle: readonly string[] = [];
  let context: { secure: SecureContext; credentials: TlsCredentials } | undefined;
  let timer: TimerHandle | undefined;
  let failures = 0;
  let inFlight = false;
  let closed = false;
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const readyPromise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  readyPromise.catch(() => undefined); // closing before ready is not an unhandled rejection

  const rebuild = (): void => {
    if (!issued) return;
    const material: ContextMaterial = {
      privateKeyPem: issued.privateKeyPem,
      chainPem: issued.chainPem,
      trustBundlePem: bundle,
    };
    context = { secure: buildSecureContext(material), credentials: credentialsOf(material) };
    o.persist?.({ ...issued, trustBundlePem: bundle });
    for (const l of listeners) l();
  };

  const current = (): NonNullable<typeof context> => {
    if (!context) throw new Error(`identity ${o.identity} has no certificate yet; await ready() first`);
    return context;
  };

  const scheduleAt = (atWallMs: number): void => {
    if (closed) return;
    if (timer) clock.clearTimeout(timer);
    const delay = Math.max(0, atWallMs - clock.wallNow());
    timer = clock.setTimeout(
      () => (delay > MAX_TIMER_MS ? scheduleAt(atWallMs) : void attempt()),
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref?.();
  };

  const onSuccess = (next: Issued, res: SignResponse): void => {
    issued = next;
    if (res.trust_bundle_pem.length > 0) bundle = [...res.trust_bundle_pem];
    failures = 0;
    rebuild();
    const at = renewAt(clock.wallNow(), next.notAfterMs, random, policy);
    log?.info(
      {
        notAfter: new Date(next.notAfterMs).toISOString(),
        renewAt: new Date(at).toISOString(),
        // Which authority signed it: during a root rotation, whether this sidecar has moved on.
        issuer: new X509Certificate(next.chainPem[0] as string).issuer.replaceAll('\n', ', '),
        trustedRoots: bundle.length,
      },
      'certificate installed',
    );
    settle?.resolve();
    scheduleAt(at);
  };

  const onFailure = (e: unknown): void => {
    failures += 1;
    const delay = backoffMs(failures, random, policy);
    const expired = issued !== undefined && issued.notAfterMs <= clock.wallNow();
    const details = {
      err: (e as Error).message,
      code: (e as { code?: unknown }).code,
      failures,
      retryInMs: delay,
    };
    // Degraded while the old certificate is still valid; broken once it has expired.
    if (expired) log?.error(details, 'certificate expired and renewal keeps failing');
    else log?.warn(details, 'certificate request failed; retrying');
    scheduleAt(clock.wallNow() + delay);
  };

  const attempt = async (): Promise<void> => {
    if (closed || inFlight) return;
    inFlight = true;
    try {
      const key = await generateWorkloadKey(o.identity);
      const res = await signer.sign({ csr_pem: key.csrPem, token: await token() });
      if (!closed) onSuccess(acceptResponse(res, key.privateKeyPem, o.identity), res);
    } catch (e) {
      if (!closed) onFailure(e);
    } finally {
      inFlight = false;
    }
  };

  const initial = o.initial;
  if (initial && initial.notAfterMs > clock.wallNow()) {
    issued = {
      privateKeyPem: initial.privateKeyPem,
      chainPem: initial.chainPem,
      notAfterMs: initial.notAfterMs,
    };
    bundle = initial.trustBundlePem;
    rebuild();
    settle?.resolve();
    log?.info({ notAfter: new Date(initial.notAfterMs).toISOString() }, 'persisted certificate installed');
    scheduleAt(renewAt(clock.wallNow(), initial.notAfterMs, random, policy));
  } else void attempt();

  return {
    identity: () => o.identity,
    secureContext: () => current().secure,
    credentials: () => current().credentials,
    ready: () => readyPromise,
    expiresAt: () => issued?.notAfterMs,
    trustBundle: () => bundle,
    certificateChain: () => issued?.chainPem ?? [],
    setTrustBundle: (pems) => {
      if (pems.length === bundle.length && pems.every((p, i) => p === bundle[i])) return;
      bundle = [...pems];
      rebuild();
    },
    renewNow: () => void attempt(),
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => {
      closed = true;
      if (timer) clock.clearTimeout(timer);
      settle?.reject(new Error('identity closed before the first certificate arrived'));
    },
  };
};
