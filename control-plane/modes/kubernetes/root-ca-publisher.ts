// Publishes the mesh trust bundle as ConfigMap weft-root-ca (key root-cert.pem) in every meshed
// namespace, on the leader only. The injector mounts it into each sidecar, which then verifies
// the control plane's gRPC certificate before its first CSR (--control-plane-ca). Runs after
// each compile (a namespace joined the mesh) and on a timer (a root rotated, someone deleted or
// edited the ConfigMap); what it wrote is remembered so a quiet pass sends nothing.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../../api/runtime/clock.ts';
import { ROOT_CA_CONFIGMAP, ROOT_CA_KEY } from '../../../api/runtime/control-plane-tls.ts';
import { isKubeError, type JsonObject, type KubeHttp } from '../../sources/kube/kube-http.ts';

export interface RootCaPublisherOptions {
  readonly http: KubeHttp;
  readonly namespaces: () => Iterable<string>;
  /** Roots sidecars must trust, active first (the CA's trustBundle()). */
  readonly trustBundle: () => readonly string[];
  readonly isLeader: () => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Re-read every ConfigMap this often even when nothing seems to have changed (default 60 s). */
  readonly resyncMs?: number;
  /** After a failed write, try again this soon (default 5 s). */
  readonly retryMs?: number;
}

export interface RootCaPublisher {
  /** Write what is missing or stale (cheap when nothing changed). */
  sync(): void;
  /** Forget what was written and check every namespace again (new leader, timer). */
  resync(): void;
  /** Resolves when no pass is running. */
  idle(): Promise<void>;
  close(): void;
}

interface ConfigMap extends JsonObject {
  metadata: { resourceVersion?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

const LABELS = { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/managed-by': 'weft-control-plane' };

const body = (namespace: string, pem: string, resourceVersion?: string): JsonObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: ROOT_CA_CONFIGMAP,
    namespace,
    labels: LABELS,
    ...(resourceVersion ? { resourceVersion } : {}),
  },
  data: { [ROOT_CA_KEY]: pem },
});

export const rootCaPublisher = (o: RootCaPublisherOptions): RootCaPublisher => {
  const log = o.logger.child({ component: 'control-plane.kube.root-ca' });
  const written = new Map<string, string>(); // namespace → the bundle it holds
  let running: Promise<void> | undefined;
  let again = false;
  let timer: TimerHandle | undefined;
  let closed = false;

  /** One namespace: create, replace when different (optimistic: resourceVersion), or nothing. */
  const publish = async (namespace: string, pem: string): Promise<void> => {
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    let existing: ConfigMap | undefined;
    try {
      existing = await o.http<ConfigMap>({ path: `${path}/${ROOT_CA_CONFIGMAP}` });
    } catch (e) {
      if (!isKubeError(e, 404)) throw e;
    }
    if (!existing) await o.http({ method: 'POST', path, body: body(namespace, pem) });
    else if (existing.data?.[ROOT_CA_KEY] !== pem)
      await o.http({
        method: 'PUT',
        path: `${path}/${ROOT_CA_CONFIGMAP}`,
        body: body(namespace, pem, existing.metadata.resourceVersion),
      });
    else return void written.set(namespace, pem);
    written.set(namespace, pem);
    log.info({ namespace, roots: o.trustBundle().length, created: !existing }, 'root CA ConfigMap published');
  };

  const pass = async (): Promise<boolean> => {
    const pem = o.trustBundle().join('');
    const wanted = new Set(o.namespaces());
    for (const ns of written.keys()) if (!wanted.has(ns)) written.delete(ns); // left the mesh
    let failed = false;
    for (const ns of wanted) {
      if (!o.isLeader() || closed) return false; // the new leader takes over
      if (written.get(ns) === pem) continue;
      try {
        await publish(ns, pem);
      } catch (e) {
        // 409: another writer got there between our read and write; the retry reads again.
        log.warn({ err: (e as Error).message, namespace: ns }, 'publishing the root CA ConfigMap failed');
        failed = true;
      }
    }
    return failed;
  };

  const arm = (ms: number): void => {
    if (closed) return;
    if (timer) o.clock.clearTimeout(timer);
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      written.clear();
      sync();
    }, ms);
    timer.unref?.();
  };

  const drain = async (): Promise<void> => {
    let failed = false;
    while (again) {
      again = false;
      failed = await pass();
    }
    running = undefined;
    arm(failed ? (o.retryMs ?? 5_000) : (o.resyncMs ?? 60_000));
  };

  function sync(): void {
    if (closed || !o.isLeader()) return;
    again = true;
    running ??= drain();
  }

  return {
    sync,
    resync() {
      written.clear();
      sync();
    },
    idle: async () => {
      while (running) await running;
    },
    close() {
      closed = true;
      if (timer) o.clock.clearTimeout(timer);
    },
  };
};
