// One instant query against Prometheus' HTTP API; a refusal becomes an error naming the query.
export type PromVector = { metric: Record<string, string>; value: [number, string] }[];

const QUERY_TIMEOUT_MS = 10_000;

export const promQuery = async (base: string, promql: string): Promise<PromVector> => {
  const url = `${base.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  const body = (await res.json().catch(() => ({}))) as {
    status?: string;
    error?: string;
    data?: { result: PromVector };
  };
  if (body.status !== 'success')
    throw new Error(`Prometheus at ${base} refused ${promql}: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
};
