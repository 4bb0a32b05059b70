import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusSource, windowQueries } from './prometheus-source.ts';
import { sidecarScrapeSource } from './sidecar-scrape-source.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const serve = async (handler: (url: URL) => string): Promise<string> => {
  const s = http.createServer((req, res) => res.end(handler(new URL(req.url ?? '/', 'http://x'))));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
};

const pair = { service: 'demo/catalog', stable: 'demo/catalog-v1', canary: 'demo/catalog-v2' };

/** A caller sidecar's exposition: `ok` and `bad` answers per backend, all in the 10 ms bucket. */
const exposition = (counts: Record<string, { ok: number; bad: number }>): string =>
  Object.entries(counts)
    .flatMap(([backend, { ok, bad }]) => {
      const l = `direction="outbound",destination_service="demo/catalog",destination_backend="${backend}"`;
      return [
        `weft_requests_total{${l},code_class="2xx"} ${ok}`,
        `weft_requests_total{${l},code_class="5xx"} ${bad}`,
        `weft_request_duration_seconds_bucket{${l},le="0.01"} ${ok + bad}`,
        `weft_request_duration_seconds_bucket{${l},le="+Inf"} ${ok + bad}`,
      ];
    })
    .join('\n');

describe('sidecarScrapeSource', () => {
  it('measures each backend from the difference of two scrapes of every sidecar', async () => {
    let counts = { 'demo/catalog-v1': { ok: 100, bad: 0 }, 'demo/catalog-v2': { ok: 10, bad: 0 } };
    const a = await serve(() => exposition(counts));
    let t = 0;
    const source = sidecarScrapeSource(
      () => [a],
      () => t,
    );
    const measure = await source.openWindow(pair, 2_000);
    counts = { 'demo/catalog-v1': { ok: 280, bad: 0 }, 'demo/catalog-v2': { ok: 28, bad: 2 } };
    t = 2_000;
    const f = await measure();
    expect(f.canary.requests).toBe(20);
    expect(f.canary.successRate).toBeCloseTo(0.9);
    expect(f.canary.p99Ms).toBeGreaterThan(0);
    expect(f.canary.p99Ms).toBeLessThanOrEqual(10);
    expect(f.stable).toMatchObject({ requests: 180, successRate: 1 });
  });

  it('a sidecar that does not answer adds nothing, and an unknown backend has no figures', async () => {
    const source = sidecarScrapeSource(
      () => ['127.0.0.1:1'],
      () => 0,
    );
    const f = await (await source.openWindow(pair, 1_000))();
    expect(f.canary).toEqual({ requests: 0, successRate: null, p99Ms: null });
  });
});

describe('prometheusSource', () => {
  it('asks for the increase over exactly the window and reads the three figures', async () => {
    const asked: string[] = [];
    const answers: Record<string, string> = {};
    const q = windowQueries('demo/catalog', 'demo/catalog-v2', 3);
    answers[q.requests as string] = '40';
    answers[q.ok as string] = '30';
    answers[q.p99 as string] = '0.25';
    const base = await serve((url) => {
      const promql = url.searchParams.get('query') ?? '';
      asked.push(promql);
      const v = answers[promql];
      return JSON.stringify({
        status: 'success',
        data: { result: v ? [{ metric: {}, value: [0, v] }] : [] },
      });
    });
    const f = await (await prometheusSource(`http://${base}`).openWindow(pair, 3_000))();
    expect(f.canary).toEqual({ requests: 40, successRate: 0.75, p99Ms: 250 });
    expect(f.stable).toEqual({ requests: 0, successRate: null, p99Ms: null });
    expect(asked.every((a) => a.includes('[3s]') && a.includes('direction="outbound"'))).toBe(true);
  });

  it('a refusal becomes an error naming the query', async () => {
    const base = await serve(() => JSON.stringify({ status: 'error', error: 'bad_data' }));
    const measure = await prometheusSource(`http://${base}`).openWindow(pair, 1_000);
    await expect(measure()).rejects.toThrow(/refused .*weft_requests_total.*bad_data/);
  });
});
