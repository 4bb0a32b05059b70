// Prometheus mode of `weft edges`: the inbound request counters summed over `window` per caller,
// destination and transport, turned into the same EdgeSeries local mode builds from scrapes.
import { type EdgeSeries, workloadOf as workload } from '../mesh-view/edge-figures.ts';
import { promQuery, type PromVector } from '../../api/metrics/prom-query.ts';

const BY = 'source_namespace, source_workload, destination_namespace, destination_workload, tls';

/** The three PromQL queries of one edges report; exported for the unit test. */
export const edgeQueries = (window: string): { requests: string; ok: string; buckets: string } => ({
  requests: `sum by (${BY}) (increase(weft_requests_total{direction="inbound"}[${window}]))`,
  ok: `sum by (${BY}) (increase(weft_requests_total{direction="inbound",code_class!="5xx"}[${window}]))`,
  buckets: `sum by (${BY}, le) (increase(weft_request_duration_seconds_bucket{direction="inbound"}[${window}]))`,
});

const keyOf = (m: Record<string, string>): string =>
  [m.source_namespace, m.source_workload, m.destination_namespace, m.destination_workload, m.tls].join('\n');

export const prometheusEdgeSeries = async (base: string, window: string): Promise<EdgeSeries[]> => {
  const q = edgeQueries(window);
  const [requests, ok, buckets] = await Promise.all([
    promQuery(base, q.requests),
    promQuery(base, q.ok),
    promQuery(base, q.buckets),
  ]);
  const valueBy = (v: PromVector): Map<string, number> =>
    new Map(v.map((s) => [keyOf(s.metric), Number(s.value[1])]));
  const okBy = valueBy(ok);
  const bucketsBy = new Map<string, Map<number, number>>();
  for (const s of buckets) {
    const key = keyOf(s.metric);
    const le = s.metric.le === '+Inf' ? Infinity : Number(s.metric.le);
    bucketsBy.set(key, (bucketsBy.get(key) ?? new Map()).set(le, Number(s.value[1])));
  }
  return requests.map((s) => {
    const key = keyOf(s.metric);
    const m = s.metric;
    return {
      source: workload(m.source_namespace, m.source_workload),
      destination: workload(m.destination_namespace, m.destination_workload),
      tls: m.tls === 'true',
      requests: Number(s.value[1]),
      ok: okBy.get(key) ?? 0,
      buckets: bucketsBy.get(key) ?? new Map(),
    };
  });
};
