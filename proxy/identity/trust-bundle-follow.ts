// Keeps the sidecar's trust bundle in step with its snapshots (ProxySnapshot.trustBundle, pushed
// by the control plane whenever the CA directory changes) and renews early after a root `switch`:
// when our chain no longer leads to the bundle's first root (the active signer's), waiting for
// the normal ~70 % renewal would leave us on a root that is about to be removed.
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { SnapshotSource } from '../discovery/source.ts';
import type { SidecarIdentity } from './start-identity.ts';

type Followed = Pick<SidecarIdentity, 'setTrustBundle' | 'certificateChain' | 'renewNow' | 'onChange'>;

/** Early renewals asked for per active root: enough to get past races, not enough to hammer a CA. */
export const MAX_EARLY_RENEWALS = 5;

/** True when the top of `chain` was signed by `rootPem` (name and signature both checked). */
const issuedBy = (chain: readonly string[], rootPem: string): boolean => {
  const top = chain.at(-1);
  if (top === undefined) return false;
  try {
    const cert = new X509Certificate(top);
    const root = new X509Certificate(rootPem);
    return cert.checkIssued(root) && cert.verify(root.publicKey);
  } catch {
    return false;
  }
};

/**
 * Applies one snapshot's bundle; returns whether it asked for an early renewal. `mayRenew` may
 * refuse (a budget per root).
 */
export const applyTrustBundle = (
  identity: Omit<Followed, 'onChange'>,
  snapshot: ProxySnapshot,
  logger?: Logger,
  mayRenew: (root: string) => boolean = () => true,
): boolean => {
  const bundle = snapshot.trustBundle;
  if (!bundle || bundle.length === 0) return false;
  identity.setTrustBundle(bundle);
  const chain = identity.certificateChain();
  const root = bundle[0] as string;
  if (chain.length === 0 || issuedBy(chain, root) || !mayRenew(root)) return false;
  logger?.info(
    { roots: bundle.length },
    'certificate does not chain to the active root (root rotation): renewing now',
  );
  identity.renewNow();
  return true;
};

/** Follows `source` until the returned function is called. */
export const followTrustBundle = (
  source: Pick<SnapshotSource, 'current' | 'subscribe'>,
  identity: Followed,
  logger?: Logger,
): (() => void) => {
  const log = logger?.child({ component: 'proxy.identity.bundle' });
  const asked = new Map<string, number>();
  const mayRenew = (root: string): boolean => {
    const n = asked.get(root) ?? 0;
    asked.set(root, n + 1);
    return n < MAX_EARLY_RENEWALS;
  };
  let latest = source.current();
  let applying = false;
  const apply = (): void => {
    // setTrustBundle fires onChange, which lands here again: one pass at a time is enough.
    if (!latest || applying) return;
    applying = true;
    try {
      applyTrustBundle(identity, latest, log, mayRenew);
    } finally {
      applying = false;
    }
  };
  apply();
  const unsubscribe = source.subscribe((s) => {
    latest = s;
    apply();
  });
  // renewNow is a no-op while a renewal is in flight, and that renewal may bring back a
  // certificate from the old root (signed just before the switch); the CA's answer also carries
  // its own bundle. So look again after every change: re-apply the snapshot's bundle, renew if needed.
  const unlisten = identity.onChange(apply);
  return () => {
    unsubscribe();
    unlisten();
  };
};
