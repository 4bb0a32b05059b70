// Leader election on a coordination.k8s.io/v1 Lease, for the control plane's singleton work
// (creating the CA root, status writes, FaultInjection expiry); every replica keeps serving
// discovery and CSRs. Writes use optimistic concurrency on resourceVersion, so of two replicas
// racing for an expired lease exactly one wins. Expiry is judged by the local clock from when this
// replica last saw the lease change, never by comparing its clock with the holder's timestamps.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import { isKubeError, type JsonObject, type KubeHttp } from '../sources/kube/kube-http.ts';
import { isExpired, leaseBody, observe, type LeaseRecord, type Observation } from './lease-record.ts';

export interface LeaderElectorOptions {
  readonly http: KubeHttp;
  readonly namespace: string;
  /** Lease name, e.g. weft-control-plane. */
  readonly name: string;
  /** This replica (its pod name). */
  readonly identity: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a lease is honoured after its last renewal was seen (default 15 s). */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long stops leading (default 10 s, < leaseDuration). */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s). */
  readonly retryPeriodMs?: number;
}

export interface LeaderElector {
  start(): void;
  /** Stops trying; a leader releases the lease (release: false simulates a crash in tests). */
  stop(opts?: { release?: boolean }): Promise<void>;
  isLeader(): boolean;
  /** Current holder as last seen ('' when free). */
  holder(): string;
  /** Called with true on gaining and false on losing leadership. */
  onChange(fn: (leading: boolean) => void): () => void;
  /** Completed acquire/renew attempts (tests wait on this). */
  attempts(): number;
  /** Resolves after the first attempt: from then on isLeader() is this replica's real standing. */
  settled(): Promise<void>;
}

type Lease = JsonObject & { metadata: { resourceVersion?: string }; spec?: LeaseRecord };

export const leaseElector = (o: LeaderElectorOptions): LeaderElector => {
  const log = o.logger.child({ component: 'control-plane.leader', lease: `${o.namespace}/${o.name}` });
  const leaseMs = o.leaseDurationMs ?? 15_000;
  const renewDeadline = o.renewDeadlineMs ?? 10_000;
  const retryMs = o.retryPeriodMs ?? 2_000;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`;
  const listeners = new Set<(leading: boolean) => void>();
  let leading = false;
  let running = false;
  let timer: TimerHandle | undefined;
  let seen: Observation | undefined;
  let lastRenewAt = 0;
  let attempts = 0;
  let inFlight: Promise<void> | undefined;
  let firstDone = (): void => undefined;
  const first = new Promise<void>((resolve) => (firstDone = resolve));

  const setLeading = (v: boolean): void => {
    if (v === leading) return;
    leading = v;
    log.info({ identity: o.identity }, v ? 'became leader' : 'stopped leading');
    for (const fn of listeners) fn(v);
  };

  const write = async (current: Lease | undefined): Promise<boolean> => {
    const body = leaseBody(o, current?.spec, o.clock.wallNow(), leaseMs);
    try {
      if (!current)
        await o.http({
          method: 'POST',
          path,
          body: { ...body, metadata: { name: o.name, namespace: o.namespace } },
        });
      else
        await o.http({
          method: 'PUT',
          path: `${path}/${o.name}`,
          body: { ...body, metadata: { ...current.metadata, name: o.name, namespace: o.namespace } },
        });
      return true;
    } catch (e) {
      // Another replica wrote first (409 on create or on a stale resourceVersion): it won.
      if (isKubeError(e, 409)) return false;
      throw e;
    }
  };

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let current: Lease | undefined;
    try {
      current = await o.http<Lease>({ path: `${path}/${o.name}` });
    } catch (e) {
      if (!isKubeError(e, 404)) throw e;
    }
    const now = o.clock.now();
    seen = observe(seen, current?.spec, now);
    const holder = current?.spec?.holderIdentity ?? '';
    if (current && holder !== '' && holder !== o.identity && !isExpired(seen, leaseMs, now)) return false;
    return write(current);
  };

  const attempt = async (): Promise<void> => {
    try {
      if (await tryAcquireOrRenew()) {
        lastRenewAt = o.clock.now();
        setLeading(true);
      } else setLeading(false);
    } catch (e) {
      log.warn({ err: e }, 'acquiring or renewing the lease failed');
    }
    // Could not renew for renewDeadline: another replica may take over soon, stop acting first.
    if (leading && o.clock.now() - lastRenewAt >= renewDeadline) setLeading(false);
    attempts += 1;
    firstDone();
  };

  const loop = (): void => {
    timer = undefined;
    if (!running) return;
    inFlight = attempt().finally(() => {
      inFlight = undefined;
      if (running) {
        timer = o.clock.setTimeout(loop, retryMs);
        timer.unref?.();
      }
    });
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop(opts = {}) {
      running = false;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      timer = undefined;
      await inFlight;
      if (leading && opts.release !== false) {
        // Hand over at once instead of making the next leader wait out the lease.
        await o.http<Lease>({ path: `${path}/${o.name}` }).then(
          (l) =>
            o.http({
              method: 'PUT',
              path: `${path}/${o.name}`,
              body: { ...l, spec: { ...l.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
            }),
          () => undefined,
        );
      }
      setLeading(false);
    },
    isLeader: () => leading,
    holder: () => seen?.holder ?? '',
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    attempts: () => attempts,
    settled: () => first,
  };
};
