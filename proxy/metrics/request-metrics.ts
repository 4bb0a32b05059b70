// Request metrics of both listeners: counts and latency per direction, source and destination
// workload, destination service and split backend, policy route, status, gRPC status and TLS.
// Children are bound once per label set (bound-metrics.ts) and found per request through a cache
// on the ServiceView objects plus one short key string, so recording builds no label objects.
import { Gauge, Registry } from 'prom-client';
import type { ServiceView } from '../../api/model/snapshot.ts';
import { serviceAccountKeyOf } from '../../api/model/spiffe.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import { whenBodyDone } from '../layers/body-done.ts';
import { UNRESOLVED } from '../layers/route-match.ts';
import type { CallCtx, HeaderMap, Layer, MeshResponse } from '../stack/types.ts';
import { CounterFamily, HistogramFamily, type BoundCounter, type BoundHistogram } from './bound-metrics.ts';

export type Direction = 'inbound' | 'outbound';

const PEERS = [
  'source_namespace',
  'source_workload',
  'destination_namespace',
  'destination_workload',
  'destination_service',
  'destination_backend',
  'route',
  'tls',
] as const;
const LABELS = ['direction', ...PEERS, 'code_class', 'code', 'grpc_status'] as const;
/** The histogram leaves out code and grpc_status: code_class keeps its series count bounded. */
const DURATION_LABELS = ['direction', ...PEERS, 'code_class'] as const;
/** Seconds; fine below a millisecond (a sidecar hop costs tens of microseconds) up to 10 s. */
export const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** What is known about one finished request beyond its service and backend. */
export interface RequestOutcome {
  readonly status: number;
  readonly seconds: number;
  /** `namespace/serviceAccount` of the caller ('' when unknown, e.g. plaintext inbound). */
  readonly source: string;
  /** `namespace/serviceAccount` of the callee ('' when unknown). */
  readonly destination: string;
  readonly route: string;
  readonly tls: boolean;
  /** gRPC status code as sent ('' for non-gRPC). */
  readonly grpcStatus: string;
}

export interface BoundTarget {
  observe(o: RequestOutcome): void;
}

export interface ProxyMetrics {
  readonly registry: Registry;
  target(direction: Direction, service: ServiceView, backend: ServiceView): BoundTarget;
  setConfigVersion(version: string): void;
  /** This sidecar's `namespace/serviceAccount`: the source outbound and the destination inbound. */
  setWorkload(serviceAccountKey: string): void;
  readonly workload: string;
  /** Whether this sidecar's outbound hops are mTLS (the tls label of outbound requests). */
  outboundTls: boolean;
  /** false: no request metrics layer at all (the bench's measure of what metrics cost). */
  requestsEnabled: boolean;
}

const nameOf = (s: ServiceView): string => (s === UNRESOLVED ? 'unknown' : `${s.namespace}/${s.name}`);

const splitKey = (key: string): [string, string] => {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
};

interface Pair {
  readonly count: BoundCounter;
  readonly hist: BoundHistogram;
}

export const proxyMetrics = (registry: Registry = new Registry()): ProxyMetrics => {
  const requests = new CounterFamily(
    'weft_requests_total',
    'Requests answered by the sidecar, by direction, source and destination, route, HTTP and gRPC status, and TLS.',
    LABELS,
    registry,
  );
  const duration = new HistogramFamily(
    'weft_request_duration_seconds',
    'Time from request head to the end of the response body.',
    DURATION_LABELS,
    DURATION_BUCKETS,
    registry,
  );
  const configInfo = new Gauge({
    name: 'weft_config_version_info',
    help: 'Version of the active snapshot (value is always 1).',
    labelNames: ['version'],
    registers: [registry],
  });

  const bind = (direction: Direction, service: ServiceView, backend: ServiceView): BoundTarget => {
    const fixed = { direction, destination_service: nameOf(service), destination_backend: nameOf(backend) };
    const children = new Map<string, Pair>();
    const make = (o: RequestOutcome): Pair => {
      const [source_namespace, source_workload] = splitKey(o.source);
      const [destination_namespace, destination_workload] = splitKey(o.destination);
      const common = {
        ...fixed,
        source_namespace,
        source_workload,
        destination_namespace,
        destination_workload,
        route: o.route,
        tls: String(o.tls),
        code_class: `${Math.floor(o.status / 100)}xx`,
      };
      return {
        count: requests.child({ ...common, code: String(o.status), grpc_status: o.grpcStatus }),
        hist: duration.child(common),
      };
    };
    return {
      observe: (o) => {
        const key = `${o.status}|${o.source}|${o.destination}|${o.route}|${o.tls ? 1 : 0}|${o.grpcStatus}`;
        let c = children.get(key);
        if (!c) children.set(key, (c = make(o)));
        c.count.inc();
        c.hist.observe(o.seconds);
      },
    };
  };

  const cache: Record<Direction, WeakMap<ServiceView, WeakMap<ServiceView, BoundTarget>>> = {
    inbound: new WeakMap(),
    outbound: new WeakMap(),
  };
  const metrics: ProxyMetrics = {
    registry,
    workload: '',
    outboundTls: false,
    requestsEnabled: true,
    target: (direction, service, backend) => {
      let perBackend = cache[direction].get(service);
      if (!perBackend) cache[direction].set(service, (perBackend = new WeakMap()));
      let bound = perBackend.get(backend);
      if (!bound) perBackend.set(backend, (bound = bind(direction, service, backend)));
      return bound;
    },
    setConfigVersion: (version) => {
      configInfo.reset();
      configInfo.set({ version }, 1);
    },
    setWorkload: (key) => {
      (metrics as { workload: string }).workload = key;
    },
  };
  return metrics;
};

// Identity → `namespace/serviceAccount`, parsed once per distinct identity (a regex per request
// would show in profiles). Bounded by the mesh's service accounts; cleared if it ever grows past.
const accountOfIdentity = new Map<string, string>();
const accountOf = (identity: string | undefined): string => {
  if (identity === undefined) return '';
  let key = accountOfIdentity.get(identity);
  if (key === undefined) {
    if (accountOfIdentity.size > 10_000) accountOfIdentity.clear();
    accountOfIdentity.set(identity, (key = serviceAccountKeyOf(identity) ?? ''));
  }
  return key;
};

const grpcStatusOf = (headers: HeaderMap | undefined): string => {
  const v = headers?.['grpc-status'];
  return typeof v === 'string' ? v : '';
};

/** Outermost layer: counts what the caller got, including the error-response layer's answers. */
export const requestMetricsLayer = (metrics: ProxyMetrics, direction: Direction, clock: Clock): Layer => {
  if (!metrics.requestsEnabled) return (next) => next;
  const outbound = direction === 'outbound';
  const record = (ctx: CallCtx, status: number, started: number, grpcStatus: string): void => {
    metrics.target(direction, ctx.service, ctx.backend ?? ctx.service).observe({
      status,
      seconds: (clock.now() - started) / 1000,
      source: outbound ? metrics.workload : (ctx.sourceServiceAccount ?? ''),
      destination: outbound ? accountOf(ctx.endpoint?.identity) : metrics.workload,
      route: ctx.route ?? '',
      tls: outbound ? metrics.outboundTls : ctx.sourceIdentity !== undefined,
      grpcStatus,
    });
  };
  const whenDone = (res: MeshResponse, ctx: CallCtx, started: number): void => {
    const trailers = res.trailers;
    if (trailers === undefined)
      return whenBodyDone(res, () => record(ctx, res.status, started, grpcStatusOf(res.headers)));
    // gRPC status travels in trailers (or in the headers of a trailers-only answer).
    trailers.then(
      (t) => record(ctx, res.status, started, grpcStatusOf(t) || grpcStatusOf(res.headers)),
      () => record(ctx, res.status, started, grpcStatusOf(res.headers)),
    );
  };
  return (next) => (req, ctx) => {
    const started = clock.now();
    return next(req, ctx).then(
      (res) => {
        whenDone(res, ctx, started);
        return res;
      },
      (err: unknown) => {
        record(ctx, 500, started, '');
        throw err;
      },
    );
  };
};
