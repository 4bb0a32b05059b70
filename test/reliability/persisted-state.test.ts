// The sidecar's state directory on its own: the last accepted snapshot and the still-valid
// certificate survive a restart, and nothing unusable is ever served from it (another workload's
// snapshot, a corrupt file, an expired or foreign certificate). Real CA (in process), no sockets.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignResponse } from '../../api/proto/identity.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import { createCa, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { DeferredSource } from '../../proxy/discovery/deferred-source.ts';
import {
  loadLastKnownGood,
  persistSnapshots,
  SNAPSHOT_FILE,
  withFallback,
} from '../../proxy/discovery/last-known-good.ts';
import { staticSource } from '../../proxy/discovery/static-source.ts';
import type { CaSigner } from '../../proxy/identity/ca-client.ts';
import {
  IDENTITY_FILE,
  identitySaver,
  loadIdentity,
  type StoredIdentity,
} from '../../proxy/identity/persisted-identity.ts';
import { startIdentity } from '../../proxy/identity/start-identity.ts';
import { service, silent, snapshot } from '../helpers/mesh.ts';
import { eventually } from '../control-plane/helpers.ts';

const ID = 'spiffe://cluster.local/ns/demo/sa/web';
let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'weft-state-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const signerFor = (ca: CertificateAuthority, sa = 'web'): CaSigner => ({
  sign: async (req): Promise<SignResponse> => {
    const r = await ca.sign(req.csr_pem, { namespace: 'demo', serviceAccount: sa });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return {
      cert_chain_pem: r.value.certChainPem,
      trust_bundle_pem: r.value.trustBundlePem,
      not_after: r.value.notAfterMs,
    };
  },
});
const down: CaSigner = { sign: () => Promise.reject(new Error('CA unreachable')) };

describe('last-known-good snapshot', () => {
  const owner = { workload: 'web', namespace: 'demo' };
  const first = snapshot({ name: 'web' }, [service('catalog', [{ address: '10.0.0.1', port: 8080 }])]);

  it('writes every accepted snapshot (mode 0600) and reads the newest back for the same workload', async () => {
    const source = staticSource();
    const stop = persistSnapshots(source, dir, silent);
    source.replace(snapshot({ name: 'web' }, []));
    source.replace(first);
    await eventually(
      async () =>
        (await loadLastKnownGood(dir, owner, silent))?.version === first.version ? true : undefined,
      2_000,
      'the newest snapshot on disk',
    );
    stop();
    expect((await stat(join(dir, SNAPSHOT_FILE))).mode & 0o777).toBe(0o600);
    expect(await loadLastKnownGood(dir, owner, silent)).toEqual(first);
  });

  it('never serves another workload’s snapshot or a corrupt file', async () => {
    expect(await loadLastKnownGood(dir, { workload: 'other', namespace: 'demo' }, silent)).toBeUndefined();
    const saved = await readFile(join(dir, SNAPSHOT_FILE), 'utf8');
    await writeFile(join(dir, SNAPSHOT_FILE), saved.slice(0, saved.length / 2));
    expect(await loadLastKnownGood(dir, owner, silent)).toBeUndefined();
    await writeFile(join(dir, SNAPSHOT_FILE), saved.replace('"serviceAccount":"web"', '"serviceAccount":7'));
    expect(await loadLastKnownGood(dir, owner, silent)).toBeUndefined();
    await writeFile(join(dir, SNAPSHOT_FILE), saved);
  });

  it('is served through a DeferredSource at once, and the first streamed snapshot replaces it', async () => {
    const inner = staticSource();
    const deferred = new DeferredSource();
    const seen: string[] = [];
    deferred.subscribe((s) => seen.push(s.version));
    deferred.attach(withFallback(inner, first));
    expect(deferred.current()?.version).toBe(first.version);
    expect((await deferred.ready()).version).toBe(first.version);
    const fresh = snapshot({ name: 'web' }, []);
    inner.replace(fresh);
    expect(seen).toEqual([first.version, fresh.version]);
    expect(deferred.current()).toBe(fresh);
  });
});

describe('persisted workload certificate', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let ca: CertificateAuthority;
  let stored: StoredIdentity;
  beforeAll(async () => void (ca = await createCa({ clock, workloadTtlMs: 3_600_000 })));

  it('is saved after issuance and reinstalled by a restart while the CA is down', async () => {
    const first = startIdentity({
      identity: ID,
      signer: signerFor(ca),
      clock,
      logger: silent,
      persist: identitySaver(dir, silent),
    });
    await first.ready();
    first.close();
    await eventually(
      async () => (await loadIdentity(dir, ID, clock.wallNow(), silent)) ?? undefined,
      2_000,
      'identity file',
    );
    expect((await stat(join(dir, IDENTITY_FILE))).mode & 0o777).toBe(0o600);
    stored = (await loadIdentity(dir, ID, clock.wallNow(), silent)) as StoredIdentity;
    const again = startIdentity({ identity: ID, signer: down, clock, logger: silent, initial: stored });
    await again.ready(); // resolves without the CA
    expect(again.certificateChain()).toEqual(first.certificateChain());
    expect(again.trustBundle()).toEqual(ca.trustBundle());
    expect(() => again.secureContext()).not.toThrow();
    again.close();
  });

  it('is refused when expired, for another identity, or from a foreign CA', async () => {
    expect(await loadIdentity(dir, ID, stored.notAfterMs + 1, silent)).toBeUndefined();
    expect(
      await loadIdentity(dir, 'spiffe://cluster.local/ns/demo/sa/admin', clock.wallNow(), silent),
    ).toBeUndefined();
    const foreign = await createCa({ clock });
    await writeFile(
      join(dir, IDENTITY_FILE),
      JSON.stringify({ ...stored, trustBundlePem: foreign.trustBundle() }),
    );
    expect(await loadIdentity(dir, ID, clock.wallNow(), silent)).toBeUndefined();
    await writeFile(join(dir, IDENTITY_FILE), '{"privateKeyPem": 1}');
    expect(await loadIdentity(dir, ID, clock.wallNow(), silent)).toBeUndefined();
  });
});
