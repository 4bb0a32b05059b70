// The sidecar follows the snapshot's trust bundle and renews early exactly when its chain no
// longer leads to the bundle's first root (after a root `switch`), not on `add` or `remove`.
import { describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { createCa, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import {
  applyTrustBundle,
  followTrustBundle,
  MAX_EARLY_RENEWALS,
} from '../../proxy/identity/trust-bundle-follow.ts';
import { staticSource } from '../../proxy/discovery/static-source.ts';
import { makeCsr, spiffe } from './fixtures.ts';

const leafChain = async (ca: CertificateAuthority): Promise<readonly string[]> => {
  const csr = await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'web') }] });
  const issued = await ca.sign(csr, { namespace: 'demo', serviceAccount: 'web' });
  if (!issued.ok) throw new Error(issued.error.message);
  return issued.value.certChainPem;
};

/** Behaves like SidecarIdentity where it matters: listeners run when the bundle or certificate changes. */
const fakeIdentity = (initialChain: readonly string[]) => {
  const calls = { bundles: [] as (readonly string[])[], renewals: 0 };
  const listeners = new Set<() => void>();
  let chain = initialChain;
  let bundle: readonly string[] = [];
  const changed = () => listeners.forEach((l) => l());
  return {
    calls,
    setTrustBundle: (pems: readonly string[]) => {
      calls.bundles.push(pems);
      if (pems.join() === bundle.join()) return;
      bundle = pems;
      changed();
    },
    certificateChain: () => chain,
    renewNow: () => void calls.renewals++,
    onChange: (l: () => void) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    /** A renewal (in flight before) completes with this chain. */
    install: (next: readonly string[]) => {
      chain = next;
      changed();
    },
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
    expect(id.calls.bundles.at(-1)).toEqual([oldRoot]);
    source.replace(snap([newRoot, oldRoot]));
    expect(id.calls.renewals).toBe(1);
    const seen = id.calls.bundles.length;
    stop();
    source.replace(snap([newRoot]));
    expect(id.calls.bundles.length).toBe(seen);
  });

  it('renews again when a renewal in flight at the switch brings back an old-root certificate', async () => {
    const source = staticSource(snap([oldRoot]));
    const id = fakeIdentity(chain);
    const stop = followTrustBundle(source, id);
    source.replace(snap([newRoot, oldRoot])); // renewNow: a no-op in the real identity (in flight)
    expect(id.calls.renewals).toBe(1);
    id.install(await leafChain(oldCa)); // the in-flight one, signed just before the switch
    expect(id.calls.renewals).toBe(2);
    id.install(await leafChain(newCa));
    expect(id.calls.renewals).toBe(2);
    // The CA's answer carried its own bundle; the snapshot's is put back.
    expect(id.calls.bundles.at(-1)).toEqual([newRoot, oldRoot]);
    stop();
  });

  it(`asks at most ${MAX_EARLY_RENEWALS} times per root when the CA keeps answering from the old one`, async () => {
    const source = staticSource(snap([newRoot, oldRoot]));
    const id = fakeIdentity(chain);
    const stop = followTrustBundle(source, id);
    for (let i = 0; i < 2 * MAX_EARLY_RENEWALS; i++) id.install(await leafChain(oldCa));
    expect(id.calls.renewals).toBe(MAX_EARLY_RENEWALS);
    stop();
  });
});
