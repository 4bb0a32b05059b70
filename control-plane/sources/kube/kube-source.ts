// ConfigSource over the Kubernetes API: resilient informers (resilient-informer.ts) for
// namespaces, Services, EndpointSlices, Pods and the mesh CRDs; objects of meshed namespaces
// (label weft.io/inject=enabled) are parsed by api/schema and handed to the index, debounced,
// with the pods by IP (who serves each endpoint: its service account is the endpoint's identity).
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ConfigIssue } from '../../../api/model/result.ts';
import type { Clock, Random } from '../../../api/runtime/clock.ts';
import { debounce, type Debouncer } from '../../debounce.ts';
import type { ConfigSource, ConfigState, SourcedResource } from '../types.ts';
import { CONFIG_KINDS, NAMESPACES, PODS } from './kinds.ts';
import type { JsonObject } from './kube-http.ts';
import { recordedStarts } from './fault-start.ts';
import { ObjectCache } from './object-cache.ts';
import { podWorkloads, type PodWorkload } from './pods.ts';
import { resilientInformer, type BackoffOptions, type ResilientInformer } from './resilient-informer.ts';

export interface KubeSourceOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Quiet time after the last watch event before handing over a new state (default 50 ms). */
  readonly debounceMs?: number;
  readonly backoff?: BackoffOptions;
  /** Watch Pods for workload identity and labels (default true). */
  readonly watchPods?: boolean;
}

export interface KubeSource extends ConfigSource {
  /** Resolves once namespaces, Pods, Services and EndpointSlices are listed (CRDs may still be missing). */
  synced(): Promise<void>;
  /** Pods of meshed namespaces by pod IP: who serves an endpoint address. */
  workloads(): ReadonlyMap<string, PodWorkload>;
  /** Raw objects of meshed namespaces by origin (kube://Kind/ns/name), for status and event writers. */
  objects(): ReadonlyMap<string, JsonObject>;
  informers(): readonly ResilientInformer[];
  /** Names of the meshed namespaces (label weft.io/inject=enabled). */
  meshedNamespaces(): ReadonlySet<string>;
}

const nameOf = (o: JsonObject): string => ((o.metadata ?? {}) as { name?: string }).name ?? '';
const nsOf = (o: JsonObject): string => ((o.metadata ?? {}) as { namespace?: string }).namespace ?? '';

export const kubeSource = (opts: KubeSourceOptions): KubeSource => {
  const log = opts.logger.child({ component: 'control-plane.sources.kube' });
  const cache = new ObjectCache();
  let state: ConfigState = { resources: [], issues: [] };
  let raw = new Map<string, JsonObject>();
  let listener: (s: ConfigState) => void = () => undefined;
  let debouncer: Debouncer | undefined;
  let started = false;

  const deps = {
    kubeConfig: opts.kubeConfig,
    clock: opts.clock,
    random: opts.random,
    logger: opts.logger,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    onChange: () => debouncer?.trigger(),
  };
  const namespaces = resilientInformer(NAMESPACES, deps);
  const pods = opts.watchPods === false ? undefined : resilientInformer(PODS, deps);
  const config = CONFIG_KINDS.map((k) => resilientInformer(k, deps));
  const all = [namespaces, ...(pods ? [pods] : []), ...config];
  const meshed = (): Set<string> => new Set(namespaces.list().map(nameOf));
  const core = async (): Promise<void> => {
    const kinds = [namespaces, ...(pods ? [pods] : []), ...config.slice(0, 2)];
    await Promise.all(kinds.map((i) => i.synced()));
  };

  const rebuild = (): void => {
    const inMesh = meshed();
    const resources: SourcedResource[] = [];
    const issues: ConfigIssue[] = [];
    const objects = new Map<string, JsonObject>();
    cache.begin();
    // Meshed Namespaces themselves too: their annotations (weft.io/mtls-mode) are configuration.
    for (const inf of [namespaces, ...config])
      for (const obj of inf.list()) {
        if (!inMesh.has(inf === namespaces ? nameOf(obj) : nsOf(obj))) continue;
        const c = cache.convert(obj);
        if (c.resource) resources.push(c.resource);
        objects.set(c.origin, obj);
        issues.push(...c.issues);
      }
    cache.sweep();
    raw = objects;
    state = {
      resources,
      issues,
      faultStarts: recordedStarts(objects.values()),
      ...(pods ? { pods: podWorkloads(pods.list(), inMesh) } : {}),
    };
    if (started) listener(state);
  };

  return {
    async start(onChange) {
      listener = onChange;
      debouncer = debounce(opts.clock, opts.debounceMs ?? 50, 1_000, rebuild);
      for (const inf of all) inf.start();
      // Core kinds must be listed before the first state: an empty state would withdraw every
      // route from every sidecar (and without the pods, every endpoint identity). Missing CRDs
      // only need to have answered once.
      await core();
      await Promise.all(config.slice(2).map((i) => i.settled()));
      started = true;
      rebuild();
      log.info(
        { meshedNamespaces: meshed().size, resources: state.resources.length, issues: state.issues.length },
        'Kubernetes configuration loaded',
      );
    },
    async stop() {
      started = false;
      debouncer?.cancel();
      await Promise.all(all.map((i) => i.stop()));
    },
    current: () => state,
    synced: core,
    workloads: () => podWorkloads(pods?.list() ?? [], meshed()),
    objects: () => raw,
    informers: () => all,
    meshedNamespaces: meshed,
  };
};
