// The mesh certificate authority: one active signer plus extra trusted roots (root rotation),
// signing checked CSRs for identities a token has already proven. Pure of transport: the gRPC
// service (service.ts) and benches call sign() directly.
import type { Logger } from 'pino';
import { err, ok, formatIssues, type Result } from '../../api/model/result.ts';
import { spiffeId } from '../../api/model/spiffe.ts';
import { systemClock, type Clock } from '../../api/runtime/clock.ts';
import { loadAuthority, type Authority } from './authority.ts';
import { checkCsr } from './csr-check.ts';
import { failure, type IdentityFailure } from './errors.ts';
import { issueLeaf } from './leaf.ts';
import { generateRoot } from './root.ts';
import type { TokenSubject } from './token-validator.ts';
import { x509 } from '../../api/runtime/x509.ts';

export interface CaAuthorities {
  /** Signs every new certificate; must have a key. */
  readonly active: Authority;
  /** Roots trusted besides the active one (the old root during rotation). */
  readonly trusted?: readonly Authority[];
}

export const DEFAULT_WORKLOAD_TTL_MS = 86_400_000;
export const DEFAULT_SKEW_MS = 300_000;

export interface CaOptions {
  /** Default cluster.local. */
  readonly trustDomain?: string;
  /** Workload certificate lifetime; default 24 h. */
  readonly workloadTtlMs?: number;
  /** notBefore is this far in the past, for peers whose clocks lag; default 5 min. */
  readonly skewMs?: number;
  /** Default: a fresh in-memory ECDSA P-256 root (lost on restart, fine for local mode). */
  readonly authorities?: CaAuthorities;
  readonly clock?: Pick<Clock, 'wallNow'>;
  readonly logger?: Logger;
}

export interface Issued {
  readonly spiffeId: string;
  /** Leaf first, then intermediates. */
  readonly certChainPem: readonly string[];
  readonly trustBundlePem: readonly string[];
  readonly notAfterMs: number;
}

export interface ServingRequest {
  readonly publicKey: x509.PublicKey;
  readonly identity: TokenSubject;
  readonly dnsNames: readonly string[];
}

export interface CertificateAuthority {
  readonly trustDomain: string;
  /** Signs `csrPem` if it asks exactly for `caller`'s identity; refusals are coded, never thrown. */
  sign(csrPem: string, caller: TokenSubject): Promise<Result<Issued, IdentityFailure>>;
  /**
   * The control plane's own serving certificate (no CSR, no token: it runs in this process):
   * the SPIFFE ID of `identity` plus DNS names, for the key it holds. Throws if signing fails.
   */
  issueServing(req: ServingRequest): Promise<Issued>;
  /** Roots peers should trust, the active signer's root first. */
  trustBundle(): readonly string[];
  /** Swap signer/trusted roots (root rotation); in-flight signs finish with the old signer. */
  update(authorities: CaAuthorities): Promise<void>;
}

interface Prepared {
  readonly active: Authority;
  readonly aki: x509.AuthorityKeyIdentifierExtension;
  readonly bundle: readonly string[];
}

const prepare = async (a: CaAuthorities): Promise<Prepared> => {
  if (!a.active.signer) throw new Error(`CA authority ${a.active.id} has no private key and cannot sign`);
  const roots = [a.active.rootPem, ...(a.trusted ?? []).map((t) => t.rootPem)];
  const aki = await x509.AuthorityKeyIdentifierExtension.create(a.active.cert);
  return { active: a.active, aki, bundle: [...new Set(roots)] };
};

const defaultAuthorities = async (
  trustDomain: string,
  clock: Pick<Clock, 'wallNow'>,
): Promise<CaAuthorities> => {
  const root = await generateRoot({ trustDomain, clock });
  const loaded = await loadAuthority({ id: 'generated', ...root });
  if (!loaded.ok) throw new Error(`generated root does not load: ${formatIssues(loaded.error)}`);
  return { active: loaded.value };
};

export const createCa = async (o: CaOptions = {}): Promise<CertificateAuthority> => {
  const trustDomain = o.trustDomain ?? 'cluster.local';
  const clock = o.clock ?? systemClock;
  const ttl = o.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS;
  const skew = o.skewMs ?? DEFAULT_SKEW_MS;
  const log = o.logger?.child({ component: 'control-plane.identity.ca' });
  let current = await prepare(o.authorities ?? (await defaultAuthorities(trustDomain, clock)));

  /** One leaf from the current signer; the caller has proven `id`. */
  const issue = async (
    publicKey: x509.PublicKey,
    id: string,
    dnsNames?: readonly string[],
  ): Promise<Issued> => {
    const p = current; // one signer for the whole issuance even if update() runs meanwhile
    const now = clock.wallNow();
    // Never outlive the signer: a chain with an expired intermediate fails anyway.
    const notAfterMs = Math.min(now + ttl, p.active.notAfterMs);
    const leaf = await issueLeaf({
      issuer: p.active.cert,
      signer: p.active.signer!,
      publicKey,
      spiffeId: id,
      notBeforeMs: now - skew,
      notAfterMs,
      authorityKeyId: p.aki,
      ...(dnsNames ? { dnsNames } : {}),
    });
    log?.debug({ spiffeId: id, authority: p.active.id }, 'issued workload certificate');
    return { spiffeId: id, certChainPem: [leaf, ...p.active.chainPem], trustBundlePem: p.bundle, notAfterMs };
  };

  const sign = async (csrPem: string, caller: TokenSubject): Promise<Result<Issued, IdentityFailure>> => {
    const checked = await checkCsr(csrPem, trustDomain);
    if (!checked.ok) return checked;
    const proven = spiffeId({ trustDomain, ...caller });
    if (checked.value.spiffeId !== proven)
      return err(
        failure('IDENTITY_MISMATCH', `CSR asks for ${checked.value.spiffeId} but the token proves ${proven}`),
      );
    try {
      return ok(await issue(checked.value.publicKey, proven));
    } catch (e) {
      log?.error({ err: e, authority: current.active.id }, 'signing failed');
      return err(failure('CA_INTERNAL', `signing failed: ${(e as Error).message}`));
    }
  };

  return {
    trustDomain,
    sign,
    issueServing: (r) => issue(r.publicKey, spiffeId({ trustDomain, ...r.identity }), r.dnsNames),
    trustBundle: () => current.bundle,
    update: async (a) => {
      current = await prepare(a);
      log?.info(
        { active: a.active.id, trusted: (a.trusted ?? []).map((t) => t.id) },
        'CA authorities updated',
      );
    },
  };
};
