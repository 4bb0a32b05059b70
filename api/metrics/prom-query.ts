// One instant query against a Prometheus HTTP API, for everything that takes --prometheus URL
// (`weft stat`, `weft edges`, the control plane's canary analysis); an unreachable Prometheus or a
// refused query fails with the address, the PromQL and Prometheus's reason.
export type PromVector = { metric: Record<string, string>; value: [number, string] }[];

const QUERY_TIMEOUT_MS = 10_000;

export const promQuery = async (base: string, promql: string): Promise<PromVector> => {
  const url = `${base.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
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
