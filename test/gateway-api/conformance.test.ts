// The Gateway API mesh (GAMMA) conformance cases (shared/testdata/gateway-api) against real
// sidecars and a real control plane in local mode. Like the upstream harness, each case must pass
// 3 times in a row within 30 s (100 ms between a failed try and the next); weighted tests send
// batches of 500 and pass on the first batch within ±0.05 of every weight, of at most 10.
// WEFT_WRITE_CONFORMANCE=1 also writes docs/gateway-api-conformance.md.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TESTS, type Case, type ConformanceTest } from './cases.ts';
import { backendOf, judge, judgeWeights } from './judge.ts';
import { startConformanceMesh, type ConformanceMesh } from './mesh-harness.ts';
import { outcomeOf, renderReport, type CaseResult, type TestResult } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = resolve(ROOT, '../shared/testdata/gateway-api');
const present = existsSync(join(DATA, 'EXPECTATIONS.md'));
if (!present)
  console.warn(`skipping the Gateway API conformance suite: ${DATA} is absent (it holds the upstream cases)`);

const CONSECUTIVE = 3;
const MAX_MS = 30_000;
const POLL_MS = 100;

describe.skipIf(!present)('Gateway API mesh conformance (GAMMA)', () => {
  let mesh: ConformanceMesh;
  const results: TestResult[] = [];

  beforeAll(async () => {
    mesh = await startConformanceMesh(DATA);
  }, 30_000);
  afterAll(async () => {
    await mesh?.close();
    if (process.env.WEFT_WRITE_CONFORMANCE === '1' && results.length === TESTS.length)
      await writeFile(join(ROOT, 'docs/gateway-api-conformance.md'), renderReport(results));
  });

  const request = (c: Case) => {
    const headers = c.headers ? { headers: c.headers } : {};
    return c.grpc
      ? mesh.sendGrpc(c.client ?? 'v1', { host: c.host ?? 'echo', ...headers })
      : mesh.send(c.client ?? 'v1', { host: c.host ?? 'echo', path: c.path ?? '', ...headers });
  };

  /** Eventually consistent: CONSECUTIVE passes in a row before MAX_MS; any failure resets the count. */
  const runCase = async (c: Case): Promise<CaseResult> => {
    if (c.unsupported !== undefined) return { name: c.name, outcome: 'unsupported', detail: c.unsupported };
    const deadline = Date.now() + MAX_MS;
    let streak = 0;
    let last: string[] = [];
    while (Date.now() < deadline) {
      last = judge(c, await request(c));
      if (last.length === 0) {
        if (++streak === CONSECUTIVE) return { name: c.name, outcome: 'pass' };
        continue;
      }
      streak = 0;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return { name: c.name, outcome: 'fail', detail: last.join('; ') };
  };

  const runWeighted = async (t: ConformanceTest): Promise<CaseResult> => {
    const w = t.weighted!;
    let last: string[] = [];
    for (let batch = 0; batch < w.maxBatches; batch++) {
      const counts = new Map<string, number>();
      let sent = 0;
      const worker = async () => {
        while (sent < w.requests) {
          sent++;
          const a = w.grpcHost
            ? await mesh.sendGrpc('v1', { host: w.grpcHost })
            : await mesh.send('v1', { host: 'echo', path: '/' });
          const b = a.seen ? backendOf(a.seen.pod) : '(no backend)';
          counts.set(b, (counts.get(b) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 10 }, worker));
      last = judgeWeights(counts, w.requests, w.expected, w.tolerance);
      if (last.length === 0) return { name: `weights in batch ${batch + 1}`, outcome: 'pass' };
    }
    return { name: 'weights', outcome: 'fail', detail: last.join('; ') };
  };

  const runTest = async (t: ConformanceTest): Promise<TestResult> => {
    if (t.unsupported !== undefined) return { test: t, cases: [] };
    if (t.manifest) await mesh.apply(t.manifest);
    try {
      const cases: CaseResult[] = [];
      for (const c of t.cases) cases.push(await runCase(c));
      if (t.weighted && cases.every((c) => c.outcome === 'pass')) cases.push(await runWeighted(t));
      return { test: t, cases };
    } finally {
      if (t.manifest) await mesh.remove();
    }
  };

  it.each(TESTS.map((t) => [t.name, t] as const))(
    '%s',
    async (_name, t) => {
      const r = await runTest(t);
      results.push(r);
      const failures = r.cases.filter((c) => c.outcome === 'fail').map((c) => `${c.name}: ${c.detail}`);
      expect(failures).toEqual([]);
      if (outcomeOf(r) === 'unsupported')
        console.warn(`${t.name}: unsupported (${t.unsupported ?? r.cases[0]?.detail})`);
    },
    120_000,
  );
});
