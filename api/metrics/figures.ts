// Request figures, pure: from two scrapes of the sidecars' /metrics taken `seconds` apart,
// requests/s, success rate and latency quantiles per destination service and per split backend,
// as the callers' sidecars saw them (direction="outbound"). `weft stat` shows them; the canary
// analysis judges them. Prometheus mode yields the same StatRow from PromQL.
import { histogramQuantile, type Sample } from './prom-text.ts';

export interface StatRow {
  readonly kind: 'service' | 'backend';
  /** `namespace/name` of the service, or of the backend for kind=backend. */
  readonly name: string;
  /** For a backend: the service whose traffic it received. */
  readonly service: string;
  readonly rps: number;
  /** 0–1; null without requests in the interval. */
  readonly success: number | null;
  /** Seconds; null without requests in the interval. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** For a backend: its part of the service's requests (0–1). */
  readonly share?: number;
}

/** Requests, non-5xx answers and cumulative duration buckets of one label set (also `weft edges`). */
export interface Tally {
  requests: number;
  ok: number;
  buckets: Map<number, number>;
}

const empty = (): Tally => ({ requests: 0, ok: 0, buckets: new Map() });

/** Series identity: name and labels, so the two scrapes pair up sample by sample. */
const seriesKey = (s: Sample): string =>
  `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;

/** Counter increase between scrapes; a restarted sidecar (counter went down) counts from zero. */
const increases = (before: readonly Sample[], after: readonly Sample[]): Sample[] => {
  const prior = new Map(before.map((s) => [seriesKey(s), s.value]));
  return after.map((s) => {
    const was = prior.get(seriesKey(s)) ?? 0;
    return { ...s, value: s.value >= was ? s.value - was : s.value };
  });
};

export const addToTally = (tallies: Map<string, Tally>, key: string, s: Sample): void => {
  let t = tallies.get(key);
  if (!t) tallies.set(key, (t = empty()));
  if (s.name === 'weft_requests_total') {
    t.requests += s.value;
    if (s.labels.code_class !== '5xx') t.ok += s.value;
  } else {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    t.buckets.set(le, (t.buckets.get(le) ?? 0) + s.value);
  }
};

const quantile = (q: number, t: Tally): number | null => {
  const buckets = [...t.buckets].map(([le, count]) => ({ le, count }));
  return t.requests > 0 && buckets.length > 0 ? histogramQuantile(q, buckets) : null;
};

const row = (kind: StatRow['kind'], name: string, service: string, t: Tally, seconds: number): StatRow => ({
  kind,
  name,
  service,
  rps: t.requests / seconds,
  success: t.requests > 0 ? t.ok / t.requests : null,
  p50: quantile(0.5, t),
  p95: quantile(0.95, t),
  p99: quantile(0.99, t),
});

const COUNTED = new Set(['weft_requests_total', 'weft_request_duration_seconds_bucket']);

/** Scrapes are per sidecar (same order before and after); `seconds` is the time between them. */
export const statRows = (
  before: readonly (readonly Sample[])[],
  after: readonly (readonly Sample[])[],
  seconds: number,
): StatRow[] => {
  const services = new Map<string, Tally>();
  const backends = new Map<string, Tally>();
  after.forEach((scrape, i) => {
    for (const s of increases(before[i] ?? [], scrape)) {
      if (!COUNTED.has(s.name) || s.labels.direction !== 'outbound') continue;
      const service = s.labels.destination_service ?? 'unknown';
      addToTally(services, service, s);
      addToTally(backends, `${service}\n${s.labels.destination_backend ?? service}`, s);
    }
  });
  return withShares([
    ...[...services].map(([name, t]) => row('service', name, name, t, seconds)),
    ...[...backends].map(([key, t]) => {
      const [service, backend] = key.split('\n') as [string, string];
      return row('backend', backend, service, t, seconds);
    }),
  ]);
};

/** Adds each backend's share of its service's requests and sorts: service, then its backends. */
export const withShares = (rows: readonly StatRow[]): StatRow[] => {
  const total = new Map(rows.filter((r) => r.kind === 'service').map((r) => [r.service, r.rps]));
  const shared = rows.map((r) => {
    const t = total.get(r.service);
    return r.kind === 'backend' && t ? { ...r, share: r.rps / t } : r;
  });
  const rank = (r: StatRow): number => (r.kind === 'service' ? 0 : 1);
  return shared.sort(
    (a, b) => a.service.localeCompare(b.service) || rank(a) - rank(b) || a.name.localeCompare(b.name),
  );
};

/** `catalog` matches `demo/catalog` and its backends; `demo/catalog` matches exactly. */
export const forService = (rows: readonly StatRow[], service: string | undefined): StatRow[] =>
  service === undefined
    ? [...rows]
    : rows.filter((r) => r.service === service || r.service.split('/').pop() === service);
