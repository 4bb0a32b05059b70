// What the admin /endpoints and /policies pages show: the active snapshot's services joined with
// the live state kept beside it (balancer load, outlier ejections, circuit-breaker use, faults).
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { FaultReport, ServicePolicyState } from '../outbound/policy-registry.ts';

export interface EndpointState {
  readonly address: string;
  readonly port: number;
  readonly workload?: string;
  readonly identity?: string;
  /** Peak-EWMA latency estimate, decayed; null before the first answer. */
  readonly ewmaMs: number | null;
  /** Requests sent and not yet answered. */
  readonly outstanding: number;
  readonly ejected: boolean;
  readonly ejectedUntil?: string;
  readonly timesEjected: number;
}

export interface LiveState {
  readonly load: ReadonlyMap<string, { readonly ewmaMs: number | undefined; readonly outstanding: number }>;
  readonly policies: Readonly<Record<string, ServicePolicyState>>;
  readonly faults: Readonly<Record<string, FaultReport>>;
  /** Monotonic now → wall clock, for ejection end times. */
  readonly wallOffsetMs: number;
}

export const endpointsReport = (snapshot: ProxySnapshot | undefined, live: LiveState) => ({
  version: snapshot?.version ?? null,
  services: Object.entries(snapshot?.services ?? {}).map(([key, svc]) => {
    const outliers = new Map((live.policies[key]?.outliers ?? []).map((o) => [o.endpoint, o]));
    return {
      service: key,
      endpoints: svc.endpoints.map((e): EndpointState => {
        const k = `${e.address}:${e.port}`;
        const load = live.load.get(k);
        const o = outliers.get(k);
        return {
          address: e.address,
          port: e.port,
          ...(e.workload ? { workload: e.workload } : {}),
          ...(e.identity ? { identity: e.identity } : {}),
          ewmaMs: load?.ewmaMs ?? null,
          outstanding: load?.outstanding ?? 0,
          ejected: o?.ejected ?? false,
          ...(o?.ejected && o.ejectedUntilMs !== undefined
            ? { ejectedUntil: new Date(o.ejectedUntilMs + live.wallOffsetMs).toISOString() }
            : {}),
          timesEjected: o?.timesEjected ?? 0,
        };
      }),
    };
  }),
});

export const policiesReport = (snapshot: ProxySnapshot | undefined, live: LiveState) => ({
  version: snapshot?.version ?? null,
  inbound: snapshot?.workload ?? null,
  services: Object.entries(snapshot?.services ?? {})
    .filter(([key, svc]) => svc.policy || svc.faults?.length || live.policies[key])
    .map(([key, svc]) => ({
      service: key,
      policy: svc.policy ?? null,
      state: live.policies[key] ?? {},
      faults: Object.entries(live.faults)
        .filter(([, f]) => f.service === key)
        .map(([name, f]) => ({ name, ...f })),
    })),
});
