// The sidecar follows the snapshot's trust bundle and renews early exactly when its chain no
// longer leads to the bundle's first root (after a root `switch`), not on `add` or `remove`.
import { describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { createCa, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { applyTrustBundle, followTrustBundle } from '../../proxy/identity/trust-bundle-follow.ts';
import { staticSource } from '../../proxy/discovery/static-source.ts';
import { makeCsr, spiffe } from './fixtures.ts';

const leafChain = async (ca: CertificateAuthority): Promise<readonly string[]> => {
  const csr = await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'web') }] });
  const issued = await ca.sign(csr, { namespace: 'demo', serviceAccount: 'web' });
  if (!issued.ok) throw new Error(issued.error.message);
  return issued.value.certChainPem;
};

const fakeIdentity = (chain: readonly string[]) => {
  const calls = { bundles: [] as (readonly string[])[], renewals: 0 };
  return {
    calls,
    setTrustBundle: (pems: readonly string[]) => void calls.bundles.push(pems),
    certificateChain: () => chain,
    renewNow: () => void calls.renewals++,
  };
};

const snap = (trustBundle?: readonly string[]): ProxySnapshot => ({
  version: 'v',
  workload: { name: 'web', namespace: 'demo', serviceAccount: 'web', identity: spiffe('demo', 'web') },
  services: {},
  ...(trustBundle ? { trustBundle } : {}),
});

describe('trust bundle from snapshots', async () => {
  const [oldCa, newCa] = await Promise.all([createCa(), createCa()]);
  const oldRoot = oldCa.trustBundle()[0] as string;
  const newRoot = newCa.trustBundle()[0] as string;
  const chain = await leafChain(oldCa);

  it.each([
    ['steady: our root only', [oldRoot], false],
    ['add: new root trusted, ours still first', [oldRoot, newRoot], false],
    ['switch: the new root signs now', [newRoot, oldRoot], true],
    ['remove before we renewed', [newRoot], true],
  ])('%s → renew early: %s', (_name, bundle, renews) => {
    const id = fakeIdentity(chain);
    expect(applyTrustBundle(id, snap(bundle))).toBe(renews);
    expect(id.calls.bundles).toEqual([bundle]);
    expect(id.calls.renewals).toBe(renews ? 1 : 0);
  });

  it('leaves the identity alone without a bundle, and does not renew before the first certificate', () => {
    const id = fakeIdentity(chain);
    expect(applyTrustBundle(id, snap())).toBe(false);
    expect(applyTrustBundle(id, snap([]))).toBe(false);
    expect(id.calls.bundles).toEqual([]);
    const fresh = fakeIdentity([]);
    expect(applyTrustBundle(fresh, snap([newRoot]))).toBe(false);
    expect(fresh.calls.bundles).toEqual([[newRoot]]);
  });

  it('applies the current snapshot at once and every later one until unsubscribed', () => {
    const source = staticSource(snap([oldRoot]));
    const id = fakeIdentity(chain);
    const stop = followTrustBundle(source, id);
    expect(id.calls.bundles).toEqual([[oldRoot]]);
    source.replace(snap([newRoot, oldRoot]));
    expect(id.calls.renewals).toBe(1);
    stop();
    source.replace(snap([newRoot]));
    expect(id.calls.bundles.length).toBe(2);
  });
});
