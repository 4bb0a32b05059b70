// Root rotation without downtime, driven through `weft ca` on a real CA directory: add the new
// root to the bundle → switch signing to it → remove the old one. While both roots are trusted a
// client still holding an old-root certificate and a server with a new-root certificate complete
// mTLS; after `remove`, the old certificate is refused until the client renews.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../api/runtime/clock.ts';
import { formatIssues } from '../../api/model/result.ts';
import { caCommand, caInit, caRotate } from '../../cli/ca/command.ts';
import { createCa, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { loadCaDir, readCaState } from '../../control-plane/identity/ca-dir.ts';
import type { CaState } from '../../control-plane/identity/ca-state.ts';
import { watchCaDir, type CaDirWatch } from '../../control-plane/identity/ca-dir-watch.ts';
import { createLocalTokenValidator, issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { startIdentity, type SidecarIdentity } from '../../proxy/identity/start-identity.ts';
import { mtlsHandshake, serveCa, spiffe, tempDir, type ServedCa, type TempDir } from './fixtures.ts';

const key = new Uint8Array(32).fill(11);
const src = { trustDomain: 'cluster.local' };

let tmp: TempDir;
let ca: CertificateAuthority;
let served: ServedCa;
let watch: CaDirWatch;
const identities: SidecarIdentity[] = [];

const sidecar = async (sa: string): Promise<SidecarIdentity> => {
  const id = startIdentity({
    caAddress: served.address,
    identity: spiffe('demo', sa),
    token: issueLocalToken({ key, namespace: 'demo', serviceAccount: sa, clock: systemClock }),
  });
  identities.push(id);
  await id.ready();
  return id;
};

const renewed = async (id: SidecarIdentity): Promise<void> => {
  const before = id.certificateChain()[0];
  const changed = new Promise<void>((resolve) => {
    const off = id.onChange(() => {
      if (id.certificateChain()[0] !== before) {
        off();
        resolve();
      }
    });
  });
  id.renewNow();
  await changed;
};

const rootPem = async (authority: string): Promise<string> =>
  readFile(join(tmp.dir, 'authorities', authority, 'cert.pem'), 'utf8');

const issuedBy = async (id: SidecarIdentity, authority: string): Promise<boolean> => {
  const leaf = new X509Certificate(id.certificateChain()[0] as string);
  const root = new X509Certificate(await rootPem(authority));
  return leaf.checkIssued(root) && leaf.verify(root.publicKey);
};

const state = async (): Promise<CaState> => {
  const r = await readCaState(tmp.dir);
  if (!r.ok) throw new Error(formatIssues(r.error));
  return r.value;
};

const stage = async (s: 'add' | 'switch' | 'remove'): Promise<void> => {
  const r = await caRotate(tmp.dir, s, src);
  if (!r.ok) throw new Error(formatIssues(r.error));
  const reloaded = await watch.check();
  expect(reloaded).toEqual({ ok: true, value: true });
};

beforeAll(async () => {
  tmp = await tempDir();
  const init = await caInit(tmp.dir, src);
  if (!init.ok) throw new Error(formatIssues(init.error));
  const loaded = await loadCaDir(tmp.dir);
  if (!loaded.ok) throw new Error(formatIssues(loaded.error));
  ca = await createCa({ authorities: loaded.value });
  served = await serveCa(ca, createLocalTokenValidator({ key, clock: systemClock }));
  watch = watchCaDir(tmp.dir, ca, { clock: new ManualClock() });
  await watch.check();
});
afterAll(async () => {
  for (const id of identities) id.close();
  watch.close();
  await served.close();
  await tmp.remove();
});

describe('root rotation: add → switch → remove', () => {
  it('keeps mTLS working between old-root and new-root certificates while both are trusted', async () => {
    const oldRoot = (await state()).active;
    const client = await sidecar('client');
    const server = await sidecar('server');
    expect(await issuedBy(client, oldRoot)).toBe(true);

    await stage('add');
    const newRoot = (await state()).next as string;
    expect(ca.trustBundle()).toHaveLength(2);
    await renewed(client); // still signed by the old root, but now trusts both
    expect(await issuedBy(client, oldRoot)).toBe(true);
    expect(client.trustBundle()).toHaveLength(2);

    await stage('switch');
    await renewed(server);
    expect(await issuedBy(server, newRoot)).toBe(true);
    expect(server.trustBundle()[0]?.trim()).toBe((await rootPem(newRoot)).trim());

    const mixed = await mtlsHandshake(() => server.secureContext(), client.secureContext());
    expect(mixed).toMatchObject({ ok: true, clientSan: `URI:${spiffe('demo', 'client')}` });
    const reverse = await mtlsHandshake(() => client.secureContext(), server.secureContext());
    expect(reverse.ok).toBe(true);

    await stage('remove');
    expect(ca.trustBundle()).toHaveLength(1);
    await renewed(server);
    // The client's certificate chains only to the removed root: refused now.
    const stale = await mtlsHandshake(() => server.secureContext(), client.secureContext());
    expect(stale.ok).toBe(false);
    await renewed(client);
    expect(await issuedBy(client, newRoot)).toBe(true);
    expect((await mtlsHandshake(() => server.secureContext(), client.secureContext())).ok).toBe(true);
  });

  it('refuses stages out of order without touching the directory', async () => {
    const before = await readFile(join(tmp.dir, 'state.json'), 'utf8');
    const sw = await caRotate(tmp.dir, 'switch', src);
    expect(sw.ok).toBe(false);
    expect(sw.ok ? '' : formatIssues(sw.error)).toMatch(/run --stage add first/);
    const rm = await caRotate(tmp.dir, 'remove', src);
    expect(rm.ok ? '' : formatIssues(rm.error)).toMatch(/run --stage switch first/);
    expect(await readFile(join(tmp.dir, 'state.json'), 'utf8')).toBe(before);
  });

  it('`weft ca init` via commander writes a loadable CA directory', async () => {
    const out = join(tmp.dir, 'cli-ca');
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await caCommand().parseAsync(['init', '--out', out, '--trust-domain', 'example.org'], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    const loaded = await loadCaDir(out);
    expect(loaded.ok).toBe(true);
    expect(loaded.ok && loaded.value.active.cert.subject).toContain('OU=example.org');
  });
});
