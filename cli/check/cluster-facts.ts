// Reads what `weft check --kubeconfig` evaluates from the API server: the CRDs, the control-plane
// Deployment and Lease, the injector's webhook configuration and serving Secret, the CA Secret
// (its certificate only) and the weft-root-ca ConfigMap of every meshed namespace. Each read
// is kept with its error, so one missing object fails its own check and no other.
import { KubeConfig } from '@kubernetes/client-node';
import {
  isKubeError,
  kubeHttp,
  type JsonObject,
  type KubeHttp,
} from '../../control-plane/sources/kube/kube-http.ts';
import { NAMES } from '../install/manifests.ts';
import type { Fetched } from './local-checks.ts';

export interface ClusterFacts {
  readonly server: string;
  readonly namespace: string;
  readonly crds: Fetched<readonly JsonObject[]>;
  readonly deployment: Fetched<JsonObject>;
  readonly lease: Fetched<JsonObject>;
  readonly webhook: Fetched<JsonObject>;
  readonly webhookSecret: Fetched<JsonObject>;
  readonly caSecret: Fetched<JsonObject>;
  /** Meshed namespace → its weft-root-ca ConfigMap. */
  readonly rootCaMaps: Fetched<ReadonlyMap<string, Fetched<JsonObject>>>;
}

const read = async <T>(what: () => Promise<T>): Promise<Fetched<T>> => {
  try {
    return { ok: true, value: await what() };
  } catch (e) {
    const notFound = isKubeError(e, 404);
    return { ok: false, error: notFound ? 'not found' : (e as Error).message };
  }
};

const items = async (http: KubeHttp, path: string): Promise<JsonObject[]> =>
  ((await http<{ items?: JsonObject[] }>({ path })).items ?? []) as JsonObject[];

const nameOf = (o: JsonObject): string => String((o.metadata as { name?: unknown } | undefined)?.name ?? '');

export const kubeConfigFrom = (file: string): KubeConfig => {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new Error(`--kubeconfig ${file}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  return kc;
};

export const clusterFacts = async (kc: KubeConfig, namespace: string): Promise<ClusterFacts> => {
  const http = kubeHttp(kc);
  const ns = `/api/v1/namespaces/${namespace}`;
  const meshed = await read(() => items(http, '/api/v1/namespaces?labelSelector=weft.io%2Finject%3Denabled'));
  const rootCaMaps = meshed.ok
    ? {
        ok: true as const,
        value: new Map(
          await Promise.all(
            meshed.value.map(
              async (n) =>
                [
                  nameOf(n),
                  await read(() => http({ path: `/api/v1/namespaces/${nameOf(n)}/configmaps/weft-root-ca` })),
                ] as const,
            ),
          ),
        ),
      }
    : meshed;
  const [crds, deployment, lease, webhook, webhookSecret, caSecret] = await Promise.all([
    read(() => items(http, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')),
    read(() => http({ path: `/apis/apps/v1/namespaces/${namespace}/deployments/${NAMES.controlPlane}` })),
    read(() => http({ path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${NAMES.lease}` })),
    read(() =>
      http({ path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/weft-injector' }),
    ),
    read(() => http({ path: `${ns}/secrets/${NAMES.webhookSecret}` })),
    read(() => http({ path: `${ns}/secrets/${NAMES.caSecret}` })),
  ]);
  return {
    server: kc.getCurrentCluster()?.server ?? '(no current cluster)',
    namespace,
    crds,
    deployment,
    lease,
    webhook,
    webhookSecret,
    caSecret,
    rootCaMaps,
  };
};
