// End to end: `weft dev` runs the demo mesh as real processes on loopback; the canary split is
// honoured, changes to the YAML reach every sidecar quickly and lose no requests, and stopping
// leaves no process behind.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DevSummary } from '../../cli/dev/command.ts';
import { sidecarsOf } from '../../cli/mesh-view/dev-state.ts';
import { isAlive, pidsOf, startDev, waitForState } from './dev-harness.ts';

const backend = (s: DevSummary, name: string): number =>
  s.backends.find((b) => b.service === name)?.requests ?? 0;

/** One GET through a sidecar's outbound listener, timed from send to the end of the body (as curl does). */
const timedGet = (
  port: number,
  authority: string,
  agent: http.Agent,
): Promise<{ status: number; ms: number; weftError?: string }> =>
  new Promise((resolve, reject) => {
    const sentAt = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', headers: { host: authority }, agent },
      (res) => {
        res.resume();
        const weftError = res.headers['x-weft-error'] as string | undefined;
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - sentAt,
            ...(weftError ? { weftError } : {}),
          }),
        );
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });

const quantile = (xs: readonly number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * xs.length)] as number;

describe('weft dev', () => {
  it('runs for --duration and reports a 90/10 canary split in --json', { timeout: 90_000 }, async () => {
    const run = await startDev(['--duration', '15', '--json']);
    const state = await waitForState(run);
    expect(state.workloads.map((w) => w.name).sort()).toEqual(['catalog-v1', 'catalog-v2', 'frontend']);
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1) as string) as DevSummary;
    const v1 = backend(summary, 'catalog-v1');
    const v2 = backend(summary, 'catalog-v2');
    // ~1500 requests at 100 req/s; binomial sd of the share ≈ 0.8 pp, so ±3 pp is ~4 sd
    expect(v1 + v2).toBeGreaterThan(1000);
    expect((100 * v1) / (v1 + v2)).toBeGreaterThan(87);
    expect((100 * v1) / (v1 + v2)).toBeLessThan(93);
    const frontend = summary.services.find((s) => s.service === 'frontend');
    expect(frontend?.success).toBe(frontend?.requests);
    expect(existsSync(join(run.cwd, '.weft/dev/state.json'))).toBe(false);
    for (const pid of pidsOf(state)) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
  });

  it(
    'applies a TrafficSplit edit to every sidecar within 2 s with no lost request at 250 req/s',
    { timeout: 90_000 },
    async () => {
      const run = await startDev(['--json', '--rps', '250']);
      const state = await waitForState(run);
      // let load run before the change
      await new Promise((r) => setTimeout(r, 3000));
      const changedAt = Date.now();
      await writeFile(
        join(run.meshDir, 'split.yaml'),
        [
          'apiVersion: split.smi-spec.io/v1alpha4',
          'kind: TrafficSplit',
          'metadata: { name: catalog, namespace: demo }',
          'spec:',
          '  service: catalog',
          '  backends:',
          '    - { service: catalog-v1, weight: 50 }',
          '    - { service: catalog-v2, weight: 50 }',
          '',
        ].join('\n'),
      );
      const sidecars = sidecarsOf(state);
      const pending = new Set(sidecars.map((w) => w.adminPort));
      while (pending.size > 0 && Date.now() - changedAt < 10_000) {
        for (const port of [...pending]) {
          const config = (await (await fetch(`http://127.0.0.1:${port}/config`)).json()) as {
            snapshot: { services: Record<string, { split?: { backends: { weight: number }[] } }> };
          };
          const weights = config.snapshot.services['demo/catalog']?.split?.backends.map((b) => b.weight);
          if (weights?.join(',') === '50,50') pending.delete(port);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const propagationMs = Date.now() - changedAt;
      console.log(`TrafficSplit change reached ${sidecars.length} sidecars in ${propagationMs} ms`);
      expect(pending.size).toBe(0);
      expect(propagationMs).toBeLessThanOrEqual(2000);
      await new Promise((r) => setTimeout(r, 3000));
      run.proc.kill('SIGTERM');
      expect(await run.exited, run.stderr()).toBe(0);
      const summary = JSON.parse(run.stdout().trim().split('\n').at(-1) as string) as DevSummary;
      const frontend = summary.services.find((s) => s.service === 'frontend');
      expect(frontend?.requests).toBeGreaterThan(250 * 5);
      expect(frontend?.success).toBe(frontend?.requests);
      for (const pid of pidsOf(state)) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
    },
  );

  it(
    "shows the mesh's latency: the load generator's p50 matches requests sent directly through its sidecar",
    { timeout: 90_000 },
    async () => {
      const run = await startDev(['--duration', '15', '--json']);
      const state = await waitForState(run);
      const port = state.loadGenerator?.outboundPort as number;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      // wait (bounded) until the mesh serves: `weft dev` starts its load at the same point
      const deadline = Date.now() + 30_000;
      while ((await timedGet(port, 'frontend', agent).catch(() => ({ status: 0 }))).status !== 200) {
        expect(Date.now(), 'mesh never served frontend').toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 100));
      }
      // One request at a time, 10 ms apart, over 10 s of the generator's 15: both see the same
      // machine at the same moments, so contention from other processes moves both alike.
      const direct: number[] = [];
      const failed: string[] = [];
      const until = performance.now() + 10_000;
      while (performance.now() < until && direct.length < 2000) {
        // every answer counts, as in the generator: this test is about time, the others about success
        const r = await timedGet(port, 'frontend', agent);
        if (r.status !== 200) failed.push(`${r.status} ${r.weftError ?? ''}`);
        direct.push(r.ms);
        await new Promise((r) => setTimeout(r, 10));
      }
      agent.destroy();
      expect(await run.exited, run.stderr()).toBe(0);
      const summary = JSON.parse(run.stdout().trim().split('\n').at(-1) as string) as DevSummary;
      const generated = summary.services.find((s) => s.service === 'frontend')?.p50_ms as number;
      const [p10, p50, p90] = [0.1, 0.5, 0.9].map((q) => quantile(direct, q)) as [number, number, number];
      console.log(
        `frontend p50: load generator ${generated} ms; direct through its sidecar p10 ${p10.toFixed(3)}, p50 ${p50.toFixed(3)}, p90 ${p90.toFixed(3)} ms (${direct.length} requests${failed.length ? `, not 200: ${failed.join(', ')}` : ''})`,
      );
      // Tolerance: the generator's median lies within the middle 80 % of the direct timings (p10
      // to p90), a band that widens with the contention both see. A generator that adds its own
      // scheduling delay (one 10 ms interval at 100 req/s, plus its tick) lands above it.
      expect(generated, `generator p50 ${generated} ms vs direct p90 ${p90} ms`).toBeLessThanOrEqual(p90);
      expect(generated, `generator p50 ${generated} ms vs direct p10 ${p10} ms`).toBeGreaterThanOrEqual(p10);
    },
  );
});
