// The in-memory cluster behind the HTTP listener: kinds, store, write rules, watches, admission
// and token review, wired once. server.ts only adds the listener and the test handle.
import { seededRandom, systemClock, type Clock, type Random } from '../../api/runtime/clock.ts';
import { makeAdmit } from './admission.ts';
import { BUILTIN_TYPES, INITIAL_NAMESPACES } from './builtin-types.ts';
import { crdManifest, type CustomKind } from './crd-manifest.ts';
import { makeKindHooks } from './kind-hooks.ts';
import { Lifecycle } from './lifecycle.ts';
import type { RestContext, TokenReviewHandler } from './rest-context.ts';
import { ResourceRegistry } from './resource-types.ts';
import { ObjectStore } from './store.ts';
import { StoreAccess } from './store-access.ts';
import { TokenRegistry } from './token-review.ts';
import type { KubeObject } from './types.ts';
import { WatchHub } from './watch.ts';
import type { ServiceResolver } from './webhook-call.ts';

export interface ClusterOptions {
  readonly resources?: readonly (KubeObject | CustomKind)[];
  readonly watchHistory?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly resolveService?: ServiceResolver;
  readonly bookmarkIntervalMs?: number;
}

export interface Cluster {
  readonly ctx: RestContext;
  readonly access: StoreAccess;
  readonly tokens: TokenRegistry;
  setTokenReviewHandler(fn: TokenReviewHandler): void;
}

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export const kubeTime = (clock: Clock): string =>
  new Date(clock.wallNow()).toISOString().replace(/\.\d+Z$/, 'Z');

export const makeCluster = (opts: ClusterOptions): Cluster => {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? seededRandom(0x6b756265);
  const registry = new ResourceRegistry();
  for (const t of BUILTIN_TYPES) registry.add(t);
  const store = new ObjectStore(opts.watchHistory ?? 1000);
  const tokens = new TokenRegistry();
  let tokenReview: TokenReviewHandler = tokens.handler;
  const hooks = makeKindHooks({ registry, store, now: () => kubeTime(clock) });
  const lifecycle = new Lifecycle(store, clock, random, hooks);
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
  const ctx: RestContext = {
    registry,
    store,
    lifecycle,
    watches: new WatchHub({ store, clock, random, bookmarkIntervalMs }),
    admit: makeAdmit({ store, clock, random, resolveService: opts.resolveService }),
    tokenReview: () => tokenReview,
  };
  const access = new StoreAccess(registry, lifecycle, store);
  for (const name of INITIAL_NAMESPACES)
    access.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const r of opts.resources ?? []) access.seed('metadata' in r ? r : crdManifest(r));
  return {
    ctx,
    access,
    tokens,
    setTokenReviewHandler: (fn) => {
      tokenReview = fn;
    },
  };
};
