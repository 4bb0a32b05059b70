// Instant queries against a Prometheus HTTP API, for the views that take --prometheus URL
// (`weft stat`, `weft edges`); a refused query fails with the PromQL and Prometheus's reason.
export type PromVector = { metric: Record<string, string>; value: [number, string] }[];

export const promQuery = async (base: string, promql: string): Promise<PromVector> => {
  const url = `${base.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new Error(`Prometheus at ${base} not reachable (${cause}): check --prometheus`, { cause: e });
  }
  const body = (await res.json().catch(() => ({}))) as {
    status?: string;
    error?: string;
    data?: { result: PromVector };
  };
  if (body.status !== 'success')
    throw new Error(`Prometheus at ${base} refused ${promql}: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
};
