// Live input of `weft analyze`: lists the cluster once through the control plane's own
// Kubernetes source (same informers, same meshed-namespace filter, same parsing) and stops; the
// pods of meshed namespaces stand for the workloads the offline checks find in files.
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { systemClock } from '../../api/runtime/clock.ts';
import { kubeSource } from '../../control-plane/sources/kube/kube-source.ts';
import type { Loaded } from './load-files.ts';
import type { Workload } from './workloads.ts';

/** `timeoutMs` caps the wait for the first list: an unreachable API server fails instead of hanging. */
export const loadCluster = async (kubeconfig: string, timeoutMs: number): Promise<Loaded> => {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(kubeconfig);
  } catch (e) {
    throw new Error(`--kubeconfig ${kubeconfig}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no current cluster)';
  const source = kubeSource({
    kubeConfig,
    clock: systemClock,
    random: Math.random,
    logger: pino({ level: 'silent' }),
    backoff: { baseMs: 200, maxMs: 2_000 },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`the API server at ${server} did not answer a list within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([source.start(() => undefined), timeout]);
    const state = source.current();
    const workloads: Workload[] = [...source.workloads().values()].map((p) => ({
      origin: `kube://Pod/${p.namespace}/${p.pod}`,
      namespace: p.namespace,
      name: p.pod,
      serviceAccount: p.serviceAccount,
      labels: p.labels,
      services: [],
    }));
    const raw = [...source.objects()].map(([origin, object]) => ({ origin, object }));
    return { resources: state.resources, issues: state.issues, raw, workloads };
  } finally {
    clearTimeout(timer);
    await source.stop();
  }
};
