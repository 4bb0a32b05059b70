// Per-service and per-backend figures as the client-side sidecars saw them, scraped from their
// /metrics: weft_requests_total and weft_request_duration_seconds (outbound direction).
import { type FlowSummary, round } from './latency-stats.ts';
import { histogramQuantile, type Sample } from '../../api/metrics/prom-text.ts';

interface Flow {
  /** For a backend: the service whose traffic it received (catalog for catalog-v1). */
  parent?: string;
  requests: number;
  success: number;
  buckets: Map<number, number>;
}

/** Label values may be `name` or `namespace/name`; the summary uses the bare name. */
const bareName = (v: string | undefined): string => (v ?? '').split('/').pop()?.split('.')[0] ?? '';

const add = (flows: Map<string, Flow>, key: string): Flow => {
  let f = flows.get(key);
  if (!f) flows.set(key, (f = { requests: 0, success: 0, buckets: new Map() }));
  return f;
};

export interface MeshFlows {
  services: Map<string, Flow>;
  backends: Map<string, Flow>;
}

export const collectFlows = (scrapes: readonly Sample[][]): MeshFlows => {
  const services = new Map<string, Flow>();
  const backends = new Map<string, Flow>();
  for (const s of scrapes.flat()) {
    if (s.labels.direction !== 'outbound') continue;
    const svc = bareName(s.labels.destination_service);
    const backend = bareName(s.labels.destination_backend) || svc;
    add(backends, backend).parent = svc;
    if (s.name === 'weft_requests_total') {
      const ok = s.labels.code_class !== '5xx';
      for (const f of [add(services, svc), add(backends, backend)]) {
        f.requests += s.value;
        if (ok) f.success += s.value;
      }
    } else if (s.name === 'weft_request_duration_seconds_bucket') {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      for (const f of [add(services, svc), add(backends, backend)])
        f.buckets.set(le, (f.buckets.get(le) ?? 0) + s.value);
    }
  }
  return { services, backends };
};

export const flowSummary = (name: string, f: Flow): FlowSummary & { parent?: string } => {
  const buckets = [...f.buckets].map(([le, count]) => ({ le, count }));
  return {
    service: name,
    requests: f.requests,
    success: f.success,
    p50_ms: round(histogramQuantile(0.5, buckets) * 1000),
    p99_ms: round(histogramQuantile(0.99, buckets) * 1000),
    ...(f.parent && f.parent !== name ? { parent: f.parent } : {}),
  };
};
