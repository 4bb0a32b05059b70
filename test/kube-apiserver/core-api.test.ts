// Built-in kinds through client-node's generated clients, unmodified: CRUD, optimistic
// concurrency, selectors, pagination, finalizers, Status errors, authentication and TokenReview.
import {
  ApiException,
  AuthenticationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from './server.ts';

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
});

/** The Status body of a failed call, parsed. */
const statusOf = async (p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> => {
  try {
    await p;
  } catch (e) {
    // Some codes (401) reach the caller without the body; the HTTP code is still there.
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as object) : {};
      return { code: e.code, reason: '', message: '', ...body };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
};

describe('core API over plain HTTP', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    server = await startKubeApiServer();
    core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop', labels: { mesh: 'on' } } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists the namespaces of a fresh cluster with a resourceVersion', async () => {
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
      'shop',
    ]);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(list.items.find((n) => n.metadata?.name === 'shop')?.metadata?.labels).toEqual({
      mesh: 'on',
      'kubernetes.io/metadata.name': 'shop',
    });
  });

  it('creates with server-set metadata and answers 409 AlreadyExists for a second create', async () => {
    const created = await core.createNamespacedPod({ namespace: 'shop', body: pod('web-1', { app: 'web' }) });
    expect(created.metadata).toMatchObject({ name: 'web-1', namespace: 'shop', generation: 1 });
    expect(created.metadata?.uid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.status?.phase).toBe('Pending');
    const s = await statusOf(core.createNamespacedPod({ namespace: 'shop', body: pod('web-1') }));
    expect(s).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "web-1" already exists' });
  });

  it('rejects a create in a namespace that does not exist', async () => {
    const s = await statusOf(core.createNamespacedPod({ namespace: 'nowhere', body: pod('x') }));
    expect(s).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "nowhere" not found' });
  });

  it('applies merge patches and JSON patches, bumping resourceVersion each time', async () => {
    const before = await core.readNamespacedPod({ name: 'web-1', namespace: 'shop' });
    const merged = await core.patchNamespacedPod(
      { name: 'web-1', namespace: 'shop', body: { metadata: { labels: { tier: 'front', app: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ tier: 'front' });
    expect(Number(merged.metadata?.resourceVersion)).toBeGreaterThan(
      Number(before.metadata?.resourceVersion),
    );
    const patched = await core.patchNamespacedPod({
      name: 'web-1',
      namespace: 'shop',
      body: [
        { op: 'add', path: '/metadata/annotations', value: { 'weft.dev/inject': 'true' } },
        { op: 'replace', path: '/spec/containers/0/image', value: 'example/app:2' },
      ],
    });
    expect(patched.metadata?.annotations).toEqual({ 'weft.dev/inject': 'true' });
    expect(patched.spec?.containers[0]?.image).toBe('example/app:2');
    expect(patched.metadata?.generation).toBe(2); // spec changed; the label-only merge patch did not bump it
    const failed = await statusOf(
      core.patchNamespacedPod({
        name: 'web-1',
        namespace: 'shop',
        body: [{ op: 'test', path: '/metadata/name', value: 'other' }],
      }),
    );
    expect(failed).toMatchObject({ code: 422, reason: 'Invalid' });
  });

  it('answers 409 Conflict to an update with a stale resourceVersion', async () => {
    const current = await core.readNamespacedPod({ name: 'web-1', namespace: 'shop' });
    await core.replaceNamespacedPod({
      name: 'web-1',
      namespace: 'shop',
      body: { ...current, metadata: { ...current.metadata, labels: { v: '1' } } },
    });
    const s = await statusOf(
      core.replaceNamespacedPod({
        name: 'web-1',
        namespace: 'shop',
        body: { ...current, metadata: { ...current.metadata, labels: { v: '2' } } },
      }),
    );
    expect(s).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await core.readNamespacedPod({ name: 'web-1', namespace: 'shop' })).metadata?.labels).toEqual({
      v: '1',
    });
  });

  it('ignores status in a main-resource update and changes only status through /status', async () => {
    const current = await core.readNamespacedPod({ name: 'web-1', namespace: 'shop' });
    const viaMain = await core.replaceNamespacedPod({
      name: 'web-1',
      namespace: 'shop',
      body: { ...current, status: { phase: 'Running' } },
    });
    expect(viaMain.status?.phase).toBe('Pending');
    const viaStatus = await core.replaceNamespacedPodStatus({
      name: 'web-1',
      namespace: 'shop',
      body: {
        ...viaMain,
        metadata: { ...viaMain.metadata, labels: { ignored: 'yes' } },
        status: { phase: 'Running', podIP: '10.0.0.7' },
      },
    });
    expect(viaStatus.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.7' });
    expect(viaStatus.metadata?.labels).toEqual({ v: '1' });
  });

  it('filters by label and field selectors, in a namespace and cluster-wide', async () => {
    for (const [name, app] of [
      ['a', 'web'],
      ['b', 'api'],
      ['c', 'db'],
    ] as const) {
      await core.createNamespacedPod({ namespace: 'default', body: pod(`sel-${name}`, { app, sel: 'yes' }) });
    }
    const names = (l: { items: V1Pod[] }) =>
      l.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    expect(
      names(await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app in (web,api),sel' })),
    ).toEqual(['default/sel-a', 'default/sel-b']);
    expect(names(await core.listPodForAllNamespaces({ labelSelector: 'app!=db,sel=yes' }))).toEqual([
      'default/sel-a',
      'default/sel-b',
    ]);
    expect(names(await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=shop' }))).toEqual([
      'shop/web-1',
    ]);
    expect(names(await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running' }))).toEqual([
      'shop/web-1',
    ]);
    const bad = await statusOf(
      core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.foo=bar' }),
    );
    expect(bad).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('pages lists with limit and continue', async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: cont });
      seen.push(...page.items.map((p) => p.metadata?.name ?? ''));
      cont = page.metadata?._continue;
      pages++;
    } while (cont && pages < 10);
    expect(seen).toEqual(['sel-a', 'sel-b', 'sel-c']);
    expect(pages).toBe(2);
  });

  it('deletes, returning the Pod for pods and a Status for config maps', async () => {
    const gone = await core.deleteNamespacedPod({ name: 'sel-c', namespace: 'default' });
    expect(gone.metadata?.name).toBe('sel-c');
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' } } });
    const status = await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
    expect(status).toMatchObject({ status: 'Success', details: { name: 'cfg', kind: 'configmaps' } });
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' }))).toMatchObject(
      {
        code: 404,
        reason: 'NotFound',
        message: 'configmaps "cfg" not found',
      },
    );
  });

  it('keeps an object with finalizers until they are removed', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'fin', finalizers: ['weft.dev/hold'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'fin', namespace: 'default' });
    const held = await core.readNamespacedConfigMap({ name: 'fin', namespace: 'default' });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.patchNamespacedConfigMap({
      name: 'fin',
      namespace: 'default',
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'fin', namespace: 'default' }))).toMatchObject(
      { code: 404 },
    );
  });

  it('answers 401 without credentials and 405/404 for what is not served', async () => {
    const res = await fetch(`${server.url}/api/v1/pods`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const auth = { authorization: 'Bearer any' };
    expect(
      (await fetch(`${server.url}/api/v1/namespaces/default/pods/x/exec`, { headers: auth })).status,
    ).toBe(404);
    expect(
      (await fetch(`${server.url}/apis/authentication.k8s.io/v1/tokenreviews`, { headers: auth })).status,
    ).toBe(405);
    const status = (path: string) => fetch(`${server.url}${path}`, { headers: auth }).then((r) => r.status);
    expect(await status('/api/v1/namespaces/default/namespaces')).toBe(404); // cluster-scoped kind
    expect(await status('/apis/weft.dev/v1alpha1/trafficsplits')).toBe(404); // no such CRD
    expect((await fetch(`${server.url}/version`)).status).toBe(200);
  });

  it('serves Leases with optimistic concurrency for leader election', async () => {
    const coord = server.kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await coord.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'weft-leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    const takeover = (holder: string) =>
      coord.replaceNamespacedLease({
        name: 'weft-leader',
        namespace: 'default',
        body: { ...lease, spec: { ...lease.spec, holderIdentity: holder } },
      });
    expect((await takeover('b')).spec?.holderIdentity).toBe('b');
    expect(await statusOf(takeover('c'))).toMatchObject({ code: 409, reason: 'Conflict' }); // c read before b wrote
  });
});

describe('TLS, client certificates and TokenReview', () => {
  let server: KubeApiServer;

  beforeAll(async () => {
    server = await startKubeApiServer({ tls: true, token: 'only-this' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves HTTPS to token and client-certificate users, and rejects other tokens', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await server.kubeConfig().makeApiClient(CoreV1Api).listNamespace();
    await server
      .kubeConfig({ auth: 'cert', user: 'alice', groups: ['devs'] })
      .makeApiClient(CoreV1Api)
      .listNamespace();
    const wrong = server.kubeConfig({ token: 'not-this' }).makeApiClient(CoreV1Api);
    expect(await statusOf(wrong.listNamespace())).toMatchObject({ code: 401 });
    expect(server.requests().map((r) => r.user)).toEqual(['weft-test-admin', 'alice', 'system:anonymous']);
  });

  it('reviews registered service-account tokens with audiences', async () => {
    server.registerToken('sa-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft-ca'] });
    const authn = server.kubeConfig().makeApiClient(AuthenticationV1Api);
    const review = (token: string, audiences?: string[]) =>
      authn.createTokenReview({ body: { spec: { token, ...(audiences ? { audiences } : {}) } } });
    const ok = await review('sa-token', ['weft-ca']);
    expect(ok.status).toMatchObject({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:shop:web',
        groups: expect.arrayContaining(['system:serviceaccounts:shop']),
      },
      audiences: ['weft-ca'],
    });
    expect((await review('sa-token', ['other'])).status?.authenticated).toBe(false);
    expect((await review('unknown')).status?.authenticated).toBe(false);
    server.setTokenReviewHandler(({ token }) => ({
      authenticated: token === 'custom',
      user: { username: 'custom-user' },
    }));
    expect((await review('custom')).status?.user?.username).toBe('custom-user');
  });
});
