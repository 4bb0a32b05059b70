// The one wrapper around client-node's ListWatch that every Kubernetes watch in the control plane
// goes through. ListWatch resumes from its resourceVersion and relists after 410 Gone by itself,
// but it stops for good after any other error (a dropped connection, a failed list, a CRD that is
// not installed): here it is restarted with capped, jittered back-off on the injected clock.
import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock, Random, TimerHandle } from '../../../api/runtime/clock.ts';
import { isKubeError, kubeHttp, type JsonObject } from './kube-http.ts';

export interface WatchedKind {
  /** Short name for logs: "services", "trafficsplits". */
  readonly name: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** Cluster-wide collection path, e.g. /apis/discovery.k8s.io/v1/endpointslices. */
  readonly path: string;
  readonly labelSelector?: string;
  /** A CRD that may not be installed: a 404 is logged once and retried quietly. */
  readonly optional?: boolean;
}

export interface BackoffOptions {
  /** First retry after about baseMs, doubling per failure up to maxMs (defaults 500 ms, 30 s). */
  readonly baseMs?: number;
  readonly maxMs?: number;
}

export interface InformerDeps {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /** Called after every add, update or delete (the cache already holds the change). */
  readonly onChange: () => void;
}

export interface ResilientInformer {
  readonly kind: WatchedKind;
  /** Objects as last seen, raw JSON with apiVersion and kind set. */
  list(): readonly JsonObject[];
  /** Resolves after the first complete list. */
  synced(): Promise<void>;
  /** Resolves after the first list either completed or failed (start-up does not hang on a missing CRD). */
  settled(): Promise<void>;
  /** Restarts so far (each one followed an error). */
  restarts(): number;
  start(): void;
  stop(): Promise<void>;
}

const PAGE = 500;

interface ListPage {
  readonly metadata?: { resourceVersion?: string; continue?: string };
  readonly items?: JsonObject[];
}

const deferred = (): { promise: Promise<void>; resolve: () => void } => {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

export const resilientInformer = (kind: WatchedKind, deps: InformerDeps): ResilientInformer => {
  const log = deps.logger.child({ component: 'control-plane.kube.informer', resource: kind.name });
  const http = kubeHttp(deps.kubeConfig);
  const baseMs = deps.backoff?.baseMs ?? 500;
  const maxMs = deps.backoff?.maxMs ?? 30_000;
  const synced = deferred();
  const settled = deferred();
  let failures = 0;
  let restarts = 0;
  let stopped = true;
  let timer: TimerHandle | undefined;
  let loggedMissing = false;

  // Paged list of raw JSON. List items carry no apiVersion/kind on a real server: set them here
  // so the objects look exactly like watch events to the parser.
  const listAll = async (): Promise<{ metadata: { resourceVersion: string }; items: KubernetesObject[] }> => {
    const items: KubernetesObject[] = [];
    let cont = '';
    let rv: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (cont) q.set('continue', cont);
      if (kind.labelSelector) q.set('labelSelector', kind.labelSelector);
      const page = await http<ListPage & JsonObject>({ path: `${kind.path}?${q}` });
      for (const i of page.items ?? []) items.push({ ...i, apiVersion: kind.apiVersion, kind: kind.kind });
      rv = page.metadata?.resourceVersion;
      cont = page.metadata?.continue ?? '';
    } while (cont);
    failures = 0;
    if (loggedMissing) log.info('resource is served now');
    loggedMissing = false;
    // ListWatch fills its cache synchronously right after this promise settles; announce the
    // sync one macrotask later so synced() callers see the listed objects.
    setImmediate(() => {
      synced.resolve();
      settled.resolve();
    });
    return { metadata: { resourceVersion: rv ?? '' }, items };
  };

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      deps.clock.setTimeout(resolve, ms).unref?.();
    });
  const lw = new ListWatch<KubernetesObject>(
    kind.path,
    new Watch(deps.kubeConfig),
    listAll,
    false,
    kind.labelSelector,
    undefined,
    { delayFn: delay },
  );

  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    // start() keeps the last resourceVersion: the watch resumes, or relists after a 410.
    lw.start().catch((e: unknown) => onError(e));
  };

  const onError = (e: unknown): void => {
    settled.resolve();
    if (stopped) return;
    failures += 1;
    restarts += 1;
    const exp = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 20));
    // Jitter (50–100 %) so replicas and kinds do not reconnect in lockstep after an outage.
    const wait = Math.round(exp * (0.5 + deps.random() / 2));
    if (kind.optional && isKubeError(e, 404)) {
      if (!loggedMissing)
        log.warn(
          { retryInMs: wait },
          `${kind.kind} (${kind.apiVersion}) is not served: is its CRD installed? Retrying in the background`,
        );
      loggedMissing = true;
    } else if (failures === 1) {
      log.info({ err: e, retryInMs: wait }, 'watch ended with an error; restarting');
    } else {
      log.warn({ err: e, failures, retryInMs: wait }, 'watch keeps failing; backing off');
    }
    timer = deps.clock.setTimeout(run, wait);
    timer.unref?.();
  };

  const changed = (): void => {
    failures = 0; // events flow again: the next failure starts the back-off from the bottom
    deps.onChange();
  };
  lw.on('add', changed);
  lw.on('update', changed);
  lw.on('delete', changed);
  lw.on('error', onError);

  return {
    kind,
    list: () => lw.list() as unknown as JsonObject[],
    synced: () => synced.promise,
    settled: () => settled.promise,
    restarts: () => restarts,
    start() {
      if (!stopped) return;
      stopped = false;
      run();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) deps.clock.clearTimeout(timer);
      timer = undefined;
      await lw.stop();
    },
  };
};
