// The figures of `weft edges`, pure: per pair of workloads that talked, requests, success rate,
// p99 and whether every request was mesh mTLS with verified identities at both ends. They come
// from the destination's view (direction="inbound"): only the receiving sidecar knows whether the
// caller presented a verified certificate (`tls`) and who it was (`source_workload`, empty for a
// plaintext caller). Local mode feeds it scrapes, Prometheus mode query results; both reduce to
// EdgeSeries first.
import { addToTally, type Tally } from '../../api/metrics/figures.ts';
import { histogramQuantile, type Sample } from './prom-text.ts';

/** One label set of the inbound request counters, already summed over the labels edges ignore. */
export interface EdgeSeries {
  /** `namespace/workload` of the caller; '' when the caller had no verified identity. */
  readonly source: string;
  readonly destination: string;
  readonly tls: boolean;
  readonly requests: number;
  readonly ok: number;
  /** Cumulative histogram buckets (upper bound in seconds → count). */
  readonly buckets: ReadonlyMap<number, number>;
}

/** yes: every request mTLS with both identities verified; no: none was; partial: some were. */
export type MtlsState = 'yes' | 'no' | 'partial';

export interface EdgeRow {
  /** `namespace/workload`; null for callers without a verified identity (plaintext). */
  readonly source: string | null;
  readonly destination: string;
  readonly requests: number;
  /** 0–1 (answers other than 5xx); null without requests. */
  readonly success: number | null;
  /** Seconds; null without requests. */
  readonly p99: number | null;
  readonly mtls: MtlsState;
  readonly mtlsRequests: number;
  readonly plaintextRequests: number;
}

export const workloadOf = (ns: string | undefined, name: string | undefined): string =>
  name ? `${ns ?? ''}/${name}` : '';

/** The inbound request series of one scrape per sidecar (counters since each sidecar started). */
export const edgeSeriesOfScrapes = (scrapes: readonly (readonly Sample[])[]): EdgeSeries[] => {
  const tallies = new Map<string, Tally>();
  const pairs = new Map<string, Pick<EdgeSeries, 'source' | 'destination' | 'tls'>>();
  for (const s of scrapes.flat()) {
    const counted = s.name === 'weft_requests_total' || s.name === 'weft_request_duration_seconds_bucket';
    if (!counted || s.labels.direction !== 'inbound') continue;
    const source = workloadOf(s.labels.source_namespace, s.labels.source_workload);
    const destination = workloadOf(s.labels.destination_namespace, s.labels.destination_workload);
    const tls = s.labels.tls === 'true';
    const key = `${source}\n${destination}\n${tls}`;
    pairs.set(key, { source, destination, tls });
    addToTally(tallies, key, s);
  }
  return [...pairs].map(([key, pair]) => {
    const t = tallies.get(key) as Tally;
    return { ...pair, requests: t.requests, ok: t.ok, buckets: t.buckets };
  });
};

const mtlsState = (verified: number, total: number): MtlsState =>
  verified === total ? 'yes' : verified === 0 ? 'no' : 'partial';

/** One row per (source, destination), sorted; pairs without requests are left out. */
export const edgeRows = (series: readonly EdgeSeries[]): EdgeRow[] => {
  const pairs = new Map<string, EdgeSeries[]>();
  for (const s of series) {
    const key = `${s.source}\n${s.destination}`;
    pairs.set(key, [...(pairs.get(key) ?? []), s]);
  }
  const rows: EdgeRow[] = [];
  for (const [key, group] of pairs) {
    const [source, destination] = key.split('\n') as [string, string];
    const requests = group.reduce((n, s) => n + s.requests, 0);
    if (requests <= 0) continue;
    const ok = group.reduce((n, s) => n + s.ok, 0);
    // A request counts as mTLS only when the caller's identity was verified too.
    const verified = source === '' ? 0 : group.filter((s) => s.tls).reduce((n, s) => n + s.requests, 0);
    const buckets = new Map<number, number>();
    for (const s of group) for (const [le, c] of s.buckets) buckets.set(le, (buckets.get(le) ?? 0) + c);
    const bucketList = [...buckets].map(([le, count]) => ({ le, count }));
    rows.push({
      source: source === '' ? null : source,
      destination,
      requests,
      success: ok / requests,
      p99: bucketList.length > 0 ? histogramQuantile(0.99, bucketList) : null,
      mtls: mtlsState(verified, requests),
      mtlsRequests: verified,
      plaintextRequests: requests - verified,
    });
  }
  return rows.sort(
    (a, b) => (a.source ?? '').localeCompare(b.source ?? '') || a.destination.localeCompare(b.destination),
  );
};
