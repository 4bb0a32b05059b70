// Prometheus mode of `weft stat`: the same figures as local mode, from PromQL over the HTTP API
// (rates over `window`, quantiles by histogram_quantile), callers' view (direction="outbound").
import { withShares, type StatRow } from '../mesh-view/figures.ts';
import { promQuery } from '../../api/metrics/prom-query.ts';
import type { Sampler } from './local-source.ts';

/** The PromQL of one figure, grouped `by`; exported for the unit test. */
export const statQueries = (by: string, window: string): Record<string, string> => {
  const sel = '{direction="outbound"}';
  const rate = `sum by (${by}) (rate(weft_requests_total${sel}[${window}]))`;
  const okRate = `sum by (${by}) (rate(weft_requests_total{direction="outbound",code_class!="5xx"}[${window}]))`;
  const q = (x: number): string =>
    `histogram_quantile(${x}, sum by (${by}, le) (rate(weft_request_duration_seconds_bucket${sel}[${window}])))`;
  return { rps: rate, success: `${okRate} / ${rate}`, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
};

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

const rowsBy = async (base: string, kind: StatRow['kind'], window: string): Promise<StatRow[]> => {
  const by = kind === 'service' ? 'destination_service' : 'destination_service, destination_backend';
  const queries = statQueries(by, window);
  const names = Object.keys(queries);
  const results = await Promise.all(names.map((n) => promQuery(base, queries[n] as string)));
  const rows = new Map<string, Record<string, number>>();
  const labelsOf = new Map<string, Record<string, string>>();
  results.forEach((vector, i) => {
    for (const s of vector) {
      const key = `${s.metric.destination_service}\n${s.metric.destination_backend ?? ''}`;
      labelsOf.set(key, s.metric);
      rows.set(key, { ...rows.get(key), [names[i] as string]: Number(s.value[1]) });
    }
  });
  return [...rows].map(([key, f]) => {
    const l = labelsOf.get(key) ?? {};
    const service = l.destination_service ?? 'unknown';
    return {
      kind,
      name: kind === 'service' ? service : (l.destination_backend ?? service),
      service,
      rps: f.rps ?? 0,
      success: finite(f.success),
      p50: finite(f.p50),
      p95: finite(f.p95),
      p99: finite(f.p99),
    };
  });
};

export const prometheusSampler = (base: string, window: string, intervalMs: number): Sampler => {
  let first = true;
  return {
    sample: async () => {
      // --watch: wait between refreshes (Prometheus already averages over the window).
      if (!first) await new Promise((r) => setTimeout(r, intervalMs));
      first = false;
      const [services, backends] = await Promise.all([
        rowsBy(base, 'service', window),
        rowsBy(base, 'backend', window),
      ]);
      return withShares([...services, ...backends]);
    },
  };
};
