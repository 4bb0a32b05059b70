// Keeps the sidecar's trust bundle in step with its snapshots (ProxySnapshot.trustBundle, pushed
// by the control plane whenever the CA directory changes) and renews early after a root `switch`:
// when our chain no longer leads to the bundle's first root (the active signer's), waiting for
// the normal ~70 % renewal would leave us on a root that is about to be removed.
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { SnapshotSource } from '../discovery/source.ts';
import type { SidecarIdentity } from './start-identity.ts';

type Followed = Pick<SidecarIdentity, 'setTrustBundle' | 'certificateChain' | 'renewNow'>;

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

/** Applies one snapshot's bundle; returns whether it asked for an early renewal. */
export const applyTrustBundle = (identity: Followed, snapshot: ProxySnapshot, logger?: Logger): boolean => {
  const bundle = snapshot.trustBundle;
  if (!bundle || bundle.length === 0) return false;
  identity.setTrustBundle(bundle);
  const chain = identity.certificateChain();
  if (chain.length === 0 || issuedBy(chain, bundle[0] as string)) return false;
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
  const initial = source.current();
  if (initial) applyTrustBundle(identity, initial, log);
  return source.subscribe((s) => void applyTrustBundle(identity, s, log));
};
