// Request metrics of both listeners, declared here: counts and latency per destination service
// and backend. Label children are bound once per (service, backend) and status code and cached
// on the ServiceView objects, so a request builds no label objects and no label strings.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import { whenBodyDone } from '../layers/body-done.ts';
import { UNRESOLVED } from '../layers/route-match.ts';
import type { Layer } from '../stack/types.ts';

export type Direction = 'inbound' | 'outbound';

const LABELS = ['direction', 'destination_service', 'destination_backend', 'code_class', 'code'] as const;
/** The histogram leaves out `code`: code_class keeps its series count (buckets × labels) bounded. */
const DURATION_LABELS = ['direction', 'destination_service', 'destination_backend', 'code_class'] as const;
type DurationLabel = (typeof DURATION_LABELS)[number];
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface BoundTarget {
  observe(status: number, seconds: number): void;
}

export interface ProxyMetrics {
  readonly registry: Registry;
  target(direction: Direction, service: ServiceView, backend: ServiceView): BoundTarget;
  setConfigVersion(version: string): void;
}

const nameOf = (s: ServiceView): string => (s === UNRESOLVED ? 'unknown' : `${s.namespace}/${s.name}`);

export const proxyMetrics = (registry: Registry = new Registry()): ProxyMetrics => {
  const requests = new Counter({
    name: 'weft_requests_total',
    help: 'Requests answered by the sidecar, by destination service, split backend and HTTP status.',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'weft_request_duration_seconds',
    help: 'Time from request head to the end of the response body.',
    labelNames: DURATION_LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  const configInfo = new Gauge({
    name: 'weft_config_version_info',
    help: 'Version of the active snapshot (value is always 1).',
    labelNames: ['version'],
    registers: [registry],
  });

  const bind = (direction: Direction, service: ServiceView, backend: ServiceView): BoundTarget => {
    const base = { direction, destination_service: nameOf(service), destination_backend: nameOf(backend) };
    const byCode = new Map<number, { count: Counter.Internal; hist: Histogram.Internal<DurationLabel> }>();
    return {
      observe: (status, seconds) => {
        let c = byCode.get(status);
        if (!c) {
          const code_class = `${Math.floor(status / 100)}xx`;
          c = {
            count: requests.labels({ ...base, code_class, code: String(status) }),
            hist: duration.labels({ ...base, code_class }),
          };
          byCode.set(status, c);
        }
        c.count.inc();
        c.hist.observe(seconds);
      },
    };
  };

  const cache: Record<Direction, WeakMap<ServiceView, WeakMap<ServiceView, BoundTarget>>> = {
    inbound: new WeakMap(),
    outbound: new WeakMap(),
  };
  return {
    registry,
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
  };
};

/** Outermost layer: counts what the caller got, including the error-response layer's answers. */
export const requestMetricsLayer =
  (metrics: ProxyMetrics, direction: Direction, clock: Clock): Layer =>
  (next) =>
  async (req, ctx) => {
    const started = clock.now();
    const seconds = (): number => (clock.now() - started) / 1000;
    try {
      const res = await next(req, ctx);
      const bound = metrics.target(direction, ctx.service, ctx.backend ?? ctx.service);
      whenBodyDone(res, () => bound.observe(res.status, seconds()));
      return res;
    } catch (err) {
      metrics.target(direction, ctx.service, ctx.backend ?? ctx.service).observe(500, seconds());
      throw err;
    }
  };
