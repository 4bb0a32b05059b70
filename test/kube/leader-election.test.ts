// Two control-plane replicas electing a leader on a real Lease in the kube-apiserver stand-in:
// exactly one leads; when it stops renewing, the other takes over only after the lease duration
// (ManualClock: the test decides when time passes, nothing sleeps to prove a timeout).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { leaseElector, type LeaderElector } from '../../control-plane/leader/lease-elector.ts';
import { kubeHttp } from '../../control-plane/sources/kube/kube-http.ts';
import { startKubeApiServer, waitFor, type KubeApiServer } from '../kube-apiserver/index.ts';
import { quietLogger } from './helpers.ts';

const LEASE = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

describe('Lease leader election', () => {
  let api: KubeApiServer;
  let clock: ManualClock;
  const electors: LeaderElector[] = [];

  beforeEach(async () => {
    api = await startKubeApiServer();
    api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
    clock = new ManualClock();
  });
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop({ release: false })));
    await api.close();
  });

  const elector = (identity: string): LeaderElector => {
    const e = leaseElector({
      http: kubeHttp(api.kubeConfig()),
      namespace: 'weft-system',
      name: 'weft-control-plane',
      identity,
      clock,
      logger: quietLogger(),
      ...LEASE,
    });
    electors.push(e);
    return e;
  };

  /** One retry period for both: advance the clock, then wait for each attempt's HTTP round trip. */
  const step = async (...es: LeaderElector[]): Promise<void> => {
    const before = es.map((e) => e.attempts());
    clock.advance(LEASE.retryPeriodMs);
    await waitFor(() => es.every((e, i) => e.attempts() > (before[i] ?? 0)), 'an election round');
  };

  const holder = (): unknown =>
    (
      api.store.get({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: 'weft-system',
        name: 'weft-control-plane',
      })?.['spec'] as { holderIdentity?: string } | undefined
    )?.holderIdentity;

  it('two electors started at once: exactly one leads, and it keeps renewing', async () => {
    const a = elector('replica-a');
    const b = elector('replica-b');
    a.start();
    b.start();
    await waitFor(() => a.attempts() > 0 && b.attempts() > 0, 'first attempts');
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const leader = a.isLeader() ? a : b;
    const follower = leader === a ? b : a;
    for (let i = 0; i < 10; i++) await step(a, b); // 20 s: longer than the lease, renewals keep it
    expect(leader.isLeader()).toBe(true);
    expect(follower.isLeader()).toBe(false);
    expect(holder()).toBe(leader === a ? 'replica-a' : 'replica-b');
  });

  it('a leader that stops renewing is replaced after the lease duration, not before', async () => {
    const a = elector('replica-a');
    a.start();
    await waitFor(() => a.isLeader(), 'a to lead');
    const b = elector('replica-b');
    b.start();
    await waitFor(() => b.attempts() > 0, 'b to try');
    expect(b.isLeader()).toBe(false);
    await a.stop({ release: false }); // a crashes: no release, no renewals
    // b first saw a's record at t=0: for 14 s (7 periods) it must keep away.
    for (let i = 0; i < 7; i++) {
      await step(b);
      expect(b.isLeader()).toBe(false);
    }
    await step(b); // 16 s ≥ 15 s lease
    expect(b.isLeader()).toBe(true);
    expect(holder()).toBe('replica-b');
    const lease = api.store.get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'weft-system',
      name: 'weft-control-plane',
    });
    expect((lease?.['spec'] as { leaseTransitions?: number }).leaseTransitions).toBe(1);
  });

  it('a released lease is taken over at the next attempt', async () => {
    const a = elector('replica-a');
    const b = elector('replica-b');
    a.start();
    await waitFor(() => a.isLeader(), 'a to lead');
    b.start();
    await waitFor(() => b.attempts() > 0, 'b to try');
    const changes: boolean[] = [];
    b.onChange((v) => changes.push(v));
    await a.stop();
    await step(b);
    expect(b.isLeader()).toBe(true);
    expect(changes).toEqual([true]);
  });

  it('a leader cut off from the API stops leading after the renew deadline', async () => {
    const a = elector('replica-a');
    a.start();
    await waitFor(() => a.isLeader(), 'a to lead');
    // Someone else grabs the lease behind a's back (as after a network partition healed).
    const lease = api.store.get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'weft-system',
      name: 'weft-control-plane',
    })!;
    api.store.seed({ ...lease, spec: { ...(lease['spec'] as object), holderIdentity: 'intruder' } });
    await step(a);
    expect(a.isLeader()).toBe(false);
  });
});
