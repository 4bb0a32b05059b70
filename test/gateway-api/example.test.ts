// examples/gateway-api runs under `weft dev`: the HTTPRoute's header rule sends canary testers to
// catalog-v2, its weighted rule splits the rest 90/10, and the control plane's /status reports
// the route Accepted with its references resolved.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startDev, waitForState } from '../e2e/dev-harness.ts';
import { eventually } from '../control-plane/helpers.ts';

const get = (port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', headers: { host: 'catalog', ...headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });

const answeredBy = (body: string): string => (JSON.parse(body) as { service: string }).service;

describe('examples/gateway-api under weft dev', () => {
  it('routes canary testers by header and splits the rest by weight', { timeout: 90_000 }, async () => {
    const run = await startDev(['--duration', '60', '--rps', '10'], 'examples/gateway-api');
    try {
      const state = await waitForState(run);
      const port = state.workloads.find((w) => w.name === 'frontend')?.outboundPort as number;
      // Every catalog workload is up and the route pushed once a tester reaches v2 three times running.
      await eventually(
        async () => {
          for (let i = 0; i < 3; i++) {
            const r = await get(port, { 'x-canary': 'true' }).catch(() => undefined);
            if (r?.status !== 200 || answeredBy(r.body) !== 'catalog-v2') return undefined;
          }
          return true;
        },
        30_000,
        'the canary route',
      );
      for (let i = 0; i < 20; i++)
        expect(answeredBy((await get(port, { 'x-canary': 'true' })).body)).toBe('catalog-v2');
      const counts = new Map<string, number>();
      for (let i = 0; i < 400; i++) {
        const who = answeredBy((await get(port, {})).body);
        counts.set(who, (counts.get(who) ?? 0) + 1);
      }
      // 400 draws at p = 0.1: sd = 6, so 40 ± 24 holds beyond 4 sd.
      expect(counts.get('catalog-v2') ?? 0).toBeGreaterThan(16);
      expect(counts.get('catalog-v2') ?? 0).toBeLessThan(64);
      expect((counts.get('catalog-v1') ?? 0) + (counts.get('catalog-v2') ?? 0)).toBe(400);
      const status = (await (await fetch(`http://${state.controlPlane.adminAddress}/status`)).json()) as {
        routes?: { name: string; parents: { conditions: { type: string; status: string }[] }[] }[];
      };
      const route = status.routes?.find((r) => r.name === 'catalog-canary');
      expect(route?.parents[0]?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
        'Accepted=True',
        'ResolvedRefs=True',
      ]);
    } finally {
      run.proc.kill('SIGINT');
      await run.exited;
    }
  });
});
