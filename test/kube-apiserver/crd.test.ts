// CustomResourceDefinitions make kinds served: discovery, CustomObjectsApi CRUD, the status
// subresource, several versions of one stored object, and removal with the definition.
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crdManifest } from './crd-manifest.ts';
import { startKubeApiServer, type KubeApiServer } from './server.ts';

type Split = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const SPLITS = {
  group: 'weft.dev',
  version: 'v1alpha1',
  plural: 'trafficsplits',
  namespace: 'default',
} as const;

const split = (name: string, weight: number): Split => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'TrafficSplit',
  metadata: { name },
  spec: { service: 'catalog', backends: [{ service: 'catalog-v1', weight }] },
});

describe('custom resources', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;

  beforeEach(async () => {
    server = await startKubeApiServer();
    custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
  });
  afterEach(async () => {
    await server.close();
  });

  const authed = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer t' } });

  it('serves a kind once its CRD is created, with discovery and the Established condition', async () => {
    expect((await authed('/apis/weft.dev/v1alpha1')).status).toBe(404);
    const ext = server.kubeConfig().makeApiClient(ApiextensionsV1Api);
    const crd = await ext.createCustomResourceDefinition({
      body: crdManifest({
        group: 'weft.dev',
        kind: 'TrafficSplit',
        statusSubresource: true,
        shortNames: ['ts'],
      }) as never,
    });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    const resources = (await (await authed('/apis/weft.dev/v1alpha1')).json()) as {
      resources: { name: string; kind: string; namespaced: boolean; shortNames?: string[] }[];
    };
    expect(resources.resources).toEqual([
      expect.objectContaining({
        name: 'trafficsplits',
        kind: 'TrafficSplit',
        namespaced: true,
        shortNames: ['ts'],
      }),
      expect.objectContaining({ name: 'trafficsplits/status' }),
    ]);
    const groups = (await (await authed('/apis')).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toContain('weft.dev');

    await custom.createNamespacedCustomObject({ ...SPLITS, body: split('catalog', 90) });
    const list = (await custom.listNamespacedCustomObject(SPLITS)) as { kind: string; items: Split[] };
    expect(list.kind).toBe('TrafficSplitList');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['catalog']);
  });

  it('keeps spec and status apart with the status subresource', async () => {
    server.store.seed(crdManifest({ group: 'weft.dev', kind: 'TrafficSplit', statusSubresource: true }));
    const created = (await custom.createNamespacedCustomObject({
      ...SPLITS,
      body: { ...split('s', 1), status: { observed: 9 } },
    })) as Split;
    expect(created.status).toBeUndefined(); // status is not settable on create
    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      ...SPLITS,
      name: 's',
      body: { ...created, spec: { ignored: true }, status: { observedGeneration: 1 } },
    })) as Split;
    expect(withStatus.status).toEqual({ observedGeneration: 1 });
    expect(withStatus.spec).toEqual(created.spec);
    expect(withStatus.metadata?.generation).toBe(1);
    const patched = (await custom.patchNamespacedCustomObject({
      ...SPLITS,
      name: 's',
      body: [
        { op: 'replace', path: '/spec/backends/0/weight', value: 5 },
        { op: 'replace', path: '/status/observedGeneration', value: 99 },
      ],
    })) as Split;
    expect(patched.spec?.['backends']).toEqual([{ service: 'catalog-v1', weight: 5 }]);
    expect(patched.status).toEqual({ observedGeneration: 1 }); // main endpoint ignores status
    expect(patched.metadata?.generation).toBe(2);
  });

  it('refuses an unconditional update of a custom object (no resourceVersion)', async () => {
    server.store.seed(crdManifest({ group: 'weft.dev', kind: 'TrafficSplit' }));
    await custom.createNamespacedCustomObject({ ...SPLITS, body: split('u', 1) });
    await expect(
      custom.replaceNamespacedCustomObject({ ...SPLITS, name: 'u', body: split('u', 2) }),
    ).rejects.toMatchObject({ code: 422 });
  });

  it('serves every version of a multi-version CRD from one stored object', async () => {
    server.store.seed(
      crdManifest({ group: 'weft.dev', kind: 'TrafficSplit', versions: ['v1beta1', 'v1alpha1'] }),
    );
    await custom.createNamespacedCustomObject({ ...SPLITS, version: 'v1alpha1', body: split('mv', 3) });
    const asBeta = (await custom.getNamespacedCustomObject({
      ...SPLITS,
      version: 'v1beta1',
      name: 'mv',
    })) as Split;
    expect(asBeta.apiVersion).toBe('weft.dev/v1beta1');
    expect(asBeta.spec).toEqual(split('mv', 3).spec);
    const group = (await (await authed('/apis/weft.dev')).json()) as {
      preferredVersion: { version: string };
    };
    expect(group.preferredVersion.version).toBe('v1beta1');
  });

  it('stops serving the kind and removes its objects when the CRD is deleted', async () => {
    const server2 = await startKubeApiServer({ resources: [{ group: 'weft.dev', kind: 'TrafficSplit' }] });
    try {
      const c2 = server2.kubeConfig().makeApiClient(CustomObjectsApi);
      await c2.createNamespacedCustomObject({ ...SPLITS, body: split('gone', 1) });
      await server2
        .kubeConfig()
        .makeApiClient(ApiextensionsV1Api)
        .deleteCustomResourceDefinition({ name: 'trafficsplits.weft.dev' });
      await expect(c2.listNamespacedCustomObject(SPLITS)).rejects.toMatchObject({ code: 404 });
      server2.store.seed(crdManifest({ group: 'weft.dev', kind: 'TrafficSplit' }));
      expect(((await c2.listNamespacedCustomObject(SPLITS)) as { items: unknown[] }).items).toEqual([]);
    } finally {
      await server2.close();
    }
  });

  it('works with the generic KubernetesObjectApi, which resolves kinds through discovery', async () => {
    server.store.seed(crdManifest({ group: 'weft.dev', kind: 'TrafficSplit' }));
    const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig());
    const ref = {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'TrafficSplit',
      metadata: { name: 'g', namespace: 'default' },
    };
    await objects.create({ ...split('g', 1), metadata: ref.metadata });
    const patched = (await objects.patch({ ...ref, spec: { extra: true } } as Split)) as Split;
    expect(patched.spec).toEqual({ ...split('g', 1).spec, extra: true });
    expect(
      (await objects.list('weft.dev/v1alpha1', 'TrafficSplit', 'default')).items.map((o) => o.metadata?.name),
    ).toEqual(['g']);
  });

  it('rejects a CRD whose name is not <plural>.<group>', async () => {
    const ext = server.kubeConfig().makeApiClient(ApiextensionsV1Api);
    const bad = crdManifest({ group: 'weft.dev', kind: 'TrafficSplit' });
    bad.metadata.name = 'wrong.weft.dev';
    await expect(ext.createCustomResourceDefinition({ body: bad as never })).rejects.toMatchObject({
      code: 422,
    });
  });
});
