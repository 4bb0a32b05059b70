// Kubernetes-mode control planes against the stand-in: two replicas starting at once share one CA
// root from one Secret; CSRs are authenticated by TokenReview (audience weft, live service
// account); the leader writes Accepted conditions and TrafficSplit Events; /convert over HTTPS.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { makeCsr, spiffe } from '../identity/fixtures.ts';
import {
  makeTestCa,
  opensslAvailable,
  startKubeApiServer,
  waitFor,
  type KubeApiServer,
  type JsonObject,
  type KubeObject,
} from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { meshedNamespace, quietLogger, replicaOptions, service, trafficSplit } from './helpers.ts';

const logger = quietLogger();
let api: KubeApiServer;
const replicas: RunningKubeControlPlane[] = [];

beforeEach(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  api.store.seed(meshedNamespace('shop'));
  api.store.seed(service('shop', 'web'));
});
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.close()));
  await api.close();
});

const replica = async (
  identity: string,
  extra: { webhook?: { port: number; certPem: string; keyPem: string } } = {},
) => {
  const r = await startKubeControlPlane({ ...replicaOptions(api, identity, logger), ...extra });
  replicas.push(r);
  return r;
};

const secretCreates = (): number =>
  api.requests().filter((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/weft-system/secrets')
    .length;

describe('CA root in a Secret', () => {
  it('two replicas started at once: one root, stored once, trusted by both', async () => {
    const [a, b] = await Promise.all([replica('cp-a'), replica('cp-b')]);
    expect(a.ca.trustBundle()).toEqual(b.ca.trustBundle());
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(secretCreates()).toBe(1); // the follower waited instead of racing
    const secret = api.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'weft-system',
      name: 'weft-ca',
    });
    const certPem = Buffer.from(
      (secret?.['data'] as Record<string, string>)['cert.pem']!,
      'base64',
    ).toString();
    expect(a.ca.trustBundle()[0]).toBe(certPem);
  });

  it('racing creators both end up with the winner’s root (409 AlreadyExists → read)', async () => {
    const { ensureCaSecret } = await import('../../control-plane/identity/ca-secret.ts');
    const { kubeHttp } = await import('../../control-plane/sources/kube/kube-http.ts');
    const { systemClock } = await import('../../api/runtime/clock.ts');
    const opts = {
      http: kubeHttp(api.kubeConfig()),
      namespace: 'weft-system',
      name: 'weft-ca',
      trustDomain: 'cluster.local',
      clock: systemClock,
      logger,
      mayCreate: () => true,
    };
    const [x, y] = await Promise.all([ensureCaSecret(opts), ensureCaSecret(opts)]);
    if (!x.ok || !y.ok) throw new Error('no CA');
    expect(x.value.active.rootPem).toBe(y.value.active.rootPem);
    expect(secretCreates()).toBe(2); // both tried: one won, one got 409 and read it
  });

  it('uses a root the operator stored beforehand', async () => {
    if (!opensslAvailable()) return;
    const { generateRoot } = await import('../../control-plane/identity/root.ts');
    const root = await generateRoot({ trustDomain: 'cluster.local', clock: { wallNow: () => Date.now() } });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    api.store.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'weft-ca', namespace: 'weft-system' },
      data: { 'tls.crt': b64(root.certPem), 'tls.key': b64(root.keyPem) },
    } as KubeObject);
    const a = await replica('cp-a');
    expect(a.ca.trustBundle()).toEqual([root.certPem]);
    expect(secretCreates()).toBe(0);
  });
});

describe('CSR authentication by TokenReview', () => {
  const sign = async (r: RunningKubeControlPlane, token: string, id = spiffe('shop', 'web')) =>
    grpcCaSigner({ address: r.grpcAddress, timeoutMs: 5_000 })
      .sign({ csr_pem: await makeCsr({ sans: [{ type: 'url', value: id }] }), token })
      .then(
        (res) => ({ ok: true as const, chain: res.cert_chain_pem }),
        (e: { code?: number; details?: string }) => ({ ok: false as const, details: e.details ?? '' }),
      );

  beforeEach(() => {
    api.store.seed({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'web', namespace: 'shop' },
    } as KubeObject);
    api.registerToken('web-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft'] });
    api.registerToken('other-aud', { namespace: 'shop', serviceAccount: 'web', audiences: ['vault'] });
  });

  it('signs for the token’s service account, refuses another audience and a deleted service account', async () => {
    const r = await replica('cp-a');
    const good = await sign(r, 'web-token');
    expect(good.ok).toBe(true);
    const other = await sign(r, 'other-aud');
    expect(other).toMatchObject({ ok: false });
    expect(other.ok ? '' : other.details).toContain('TOKEN_INVALID');
    const wrongId = await sign(r, 'web-token', spiffe('shop', 'admin'));
    expect(wrongId.ok ? '' : wrongId.details).toContain('IDENTITY_MISMATCH');

    // Deleted service account: the API server's TokenReview stops authenticating its tokens.
    api.setTokenReviewHandler((spec): JsonObject => {
      const sa = api.store.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop', name: 'web' });
      if (!sa || spec.token !== 'web-token')
        return { authenticated: false, error: 'service account deleted' };
      return {
        authenticated: true,
        user: { username: 'system:serviceaccount:shop:web' },
        audiences: ['weft'],
      };
    });
    expect((await sign(r, 'web-token')).ok).toBe(true);
    api.store.delete({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop', name: 'web' });
    const gone = await sign(r, 'web-token');
    expect(gone.ok ? '' : gone.details).toContain('service account deleted');
  });
});

describe('status and events (leader only)', () => {
  const policy = (name: string, attempts: number): KubeObject =>
    ({
      apiVersion: 'policy.weft.io/v1alpha1',
      kind: 'TrafficPolicy',
      metadata: { name, namespace: 'shop' },
      spec: { targetRef: { kind: 'Service', name: 'web' }, timeout: '2s', retries: { attempts } },
    }) as KubeObject;
  const accepted = (name: string): { status?: string; message?: string } | undefined =>
    (
      api.store.get({
        apiVersion: 'policy.weft.io/v1alpha1',
        kind: 'TrafficPolicy',
        namespace: 'shop',
        name,
      })?.['status'] as { conditions?: { type: string; status?: string; message?: string }[] } | undefined
    )?.conditions?.find((c) => c.type === 'Accepted');

  it('Accepted=False names the bad field; fixing it flips to True', async () => {
    await replica('cp-a');
    api.store.seed(policy('bad', 99));
    await waitFor(() => accepted('bad')?.status === 'False', 'Accepted=False');
    expect(accepted('bad')?.message).toContain('spec.retries.attempts: must be a whole number from 1 to 10');
    api.store.seed(policy('bad', 3));
    await waitFor(() => accepted('bad')?.status === 'True', 'Accepted=True after the fix');
  });

  it('an invalid TrafficSplit gets one Warning Event naming the missing backend', async () => {
    await replica('cp-a');
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v9': 1 }));
    const events = () => api.store.list('v1', 'Event', 'shop');
    await waitFor(() => events().length > 0, 'an Event');
    const e = events()[0] as KubeObject & {
      reason?: string;
      message?: string;
      type?: string;
      involvedObject?: { name?: string };
    };
    expect(e).toMatchObject({
      type: 'Warning',
      reason: 'InvalidTrafficSplit',
      involvedObject: { name: 'web' },
    });
    expect(e.message).toContain('spec.backends[0].service: no Service shop/web-v9');
    api.store.seed(service('shop', 'other')); // an unrelated change recompiles: no second Event
    await new Promise((r) => setTimeout(r, 100));
    expect(events()).toHaveLength(1);
  });

  it('a follower writes nothing', async () => {
    const a = await replica('cp-a');
    const b = await replica('cp-b');
    const follower = a.elector.isLeader() ? b : a;
    const leader = follower === a ? b : a;
    await leader.elector.stop({ release: false }); // nobody leads for a while
    api.store.seed(policy('quiet', 99));
    await waitFor(
      () => follower.status().issues.some((i) => i.path.includes('TrafficPolicy/shop/quiet')),
      'the issue',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted('quiet')).toBeUndefined();
  });
});

describe('conversion webhook', () => {
  it('serves POST /convert over HTTPS', async () => {
    if (!opensslAvailable()) return;
    const tca = makeTestCa('weft-webhook-test');
    const leaf = tca.issue({ commonName: 'weft-control-plane.weft-system.svc', ips: ['127.0.0.1'] });
    const r = await replica('cp-a', { webhook: { port: 0, certPem: leaf.cert, keyPem: leaf.key } });
    const { Agent, fetch } = await import('undici');
    const res = await fetch(`https://${r.webhookAddress}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'ConversionReview',
        request: {
          uid: 'abc',
          desiredAPIVersion: 'split.smi-spec.io/v1alpha4',
          objects: [
            trafficSplit(
              'shop',
              'web',
              'web',
              { a: '500m' as unknown as number, b: '1' as unknown as number },
              'split.smi-spec.io/v1alpha1',
            ),
          ],
        },
      }),
      dispatcher: new Agent({ connect: { ca: tca.cert } }),
    });
    const review = (await res.json()) as {
      response: { uid: string; convertedObjects: { spec: { backends: { weight: number }[] } }[] };
    };
    expect(review.response.uid).toBe('abc');
    expect(review.response.convertedObjects[0]?.spec.backends.map((b) => b.weight)).toEqual([500, 1000]);
  });
});
