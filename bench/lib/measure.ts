// Measures one row: start its proxies, check one request works, then wrk's maximum throughput,
// then the open-loop rates (ascending, CPU counters read at the 1000 req/s window's edges), with
// RSS sampled throughout. Always stops what it started.
import { request } from 'node:http';
import { runGenerator } from './generator.ts';
import type { OpenLoopResult } from './open-loop.ts';
import { clockTicksPerSecond, sampleTrees, watchPeakRss } from './proc-stats.ts';
import { HOST, type BenchEnv, type Scenario, type Target } from './scenario.ts';
import type { Plan, RowResult } from './types.ts';
import { runWrk } from './wrk.ts';

const probe = (port: number): Promise<{ status: number; bytes: number }> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { host: HOST }, timeout: 5000 },
      (res) => {
        let bytes = 0;
        res.on('data', (b: Buffer) => (bytes += b.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timed out after 5 s')));
    req.on('error', reject);
    req.end();
  });

const openLoop = async (t: Target, plan: Plan, rate: number, loadCpus: string) => {
  const pids = t.procs.map((p) => p.pid);
  let ticks0 = 0;
  let ticks = 0;
  const result = await runGenerator(
    {
      port: t.port,
      hostHeader: HOST,
      path: '/',
      schedule: { rate, warmupMs: plan.warmupMs, durationMs: plan.durationMs },
      maxConnections: plan.maxConnections,
      drainMs: plan.drainMs,
    },
    loadCpus,
    (phase) => {
      const now = sampleTrees(pids).cpuTicks;
      if (phase === 'measure-start') ticks0 = now;
      else ticks = now - ticks0;
    },
  );
  const cpuSecPer1000 = (ticks / clockTicksPerSecond() / Math.max(1, result.measured)) * 1000;
  return { result, cpuSecPer1000 };
};

const measureTarget = async (s: Scenario, t: Target, plan: Plan, loadCpus: string): Promise<RowResult> => {
  const first = await probe(t.port);
  if (first.status !== 200 || first.bytes !== 1024)
    throw new Error(`probe got status ${first.status} with ${first.bytes} bytes (want 200 with 1024)`);
  const pids = t.procs.map((p) => p.pid);
  const rssIdleKb = sampleTrees(pids).rssKb;
  const peak = watchPeakRss(pids);
  const rates: Record<string, OpenLoopResult> = {};
  let cpuSecPer1000: number | undefined;
  try {
    // closed loop first: it also warms the JIT of the Node proxies before latency is taken
    const wrk = await runWrk({
      port: t.port,
      hostHeader: HOST,
      seconds: plan.wrkSeconds,
      connections: plan.wrkConnections,
      cpus: loadCpus,
    });
    for (const rate of plan.rates) {
      const r = await openLoop(t, plan, rate, loadCpus);
      rates[String(rate)] = r.result;
      if (rate === plan.cpuRate) cpuSecPer1000 = r.cpuSecPer1000;
    }
    const perProxy = pids.length > 0;
    return {
      ...describe(s),
      wrk,
      rates,
      ...(perProxy ? { cpuSecPer1000, rssIdleMb: rssIdleKb / 1024, rssLoadMb: peak() / 1024 } : {}),
    };
  } finally {
    peak();
  }
};

const describe = (s: Scenario) => ({ name: s.name, shape: s.shape, proxy: s.proxy, tls: s.tls });

export const measureScenario = async (
  s: Scenario,
  env: BenchEnv,
  plan: Plan,
  loadCpus: string,
): Promise<RowResult> => {
  let target: Target;
  try {
    target = await s.start(env);
  } catch (e) {
    return { ...describe(s), rates: {}, unavailable: `did not start: ${(e as Error).message}` };
  }
  try {
    return await measureTarget(s, target, plan, loadCpus);
  } catch (e) {
    return { ...describe(s), rates: {}, unavailable: `failed: ${(e as Error).message}` };
  } finally {
    await target.stop();
  }
};
