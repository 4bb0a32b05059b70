// Measures one row: start its proxies, check one request works, then the closed-loop maximum
// (wrk for HTTP/1.1, h2load for gRPC), then the open-loop rates with our own generators (raw
// HTTP/1.1 GETs, or unary gRPC calls over h2c; ascending, CPU counters read at each window's
// edges), with RSS sampled throughout. Always stops what it started.
import { runGenerator, type GeneratorJob } from './generator.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRPC_PATH } from '../peers/nginx-conf.ts';
import { GRPC_REQUEST } from './grpc-frames.ts';
import { runH2load, type GrpcCall } from './h2load.ts';
import type { OpenLoopResult } from './open-loop.ts';
import { probe } from './probe.ts';
import { clockTicksPerSecond, sampleTrees, watchPeakRss } from './proc-stats.ts';
import { HOST, type BenchEnv, type Scenario, type Target } from './scenario.ts';
import type { Plan, RowResult } from './types.ts';
import { runWrk, type ClosedLoopResult } from './wrk.ts';

const perThousand = (ticks: number, requests: number): number =>
  (ticks / clockTicksPerSecond() / Math.max(1, requests)) * 1000;

/** gRPC open loop: 4 sessions × up to 100 streams (HAProxy's and nginx's default caps are 100 and 128). */
const GRPC_SESSIONS = 4;
const GRPC_STREAMS_PER_SESSION = 100;

const generatorJob = (s: Scenario, t: Target, plan: Plan, rate: number): GeneratorJob => {
  const common = {
    port: t.port,
    path: s.protocol === 'grpc' ? GRPC_PATH : '/',
    schedule: { rate, warmupMs: plan.warmupMs, durationMs: plan.durationMs },
    drainMs: plan.drainMs,
  };
  return s.protocol === 'grpc'
    ? {
        protocol: 'grpc',
        options: {
          ...common,
          authority: HOST,
          sessions: GRPC_SESSIONS,
          maxStreamsPerSession: GRPC_STREAMS_PER_SESSION,
        },
      }
    : { protocol: 'h1', options: { ...common, hostHeader: HOST, maxConnections: plan.maxConnections } };
};

const openLoop = async (s: Scenario, t: Target, plan: Plan, rate: number, loadCpus: string) => {
  const pids = t.procs.map((p) => p.pid);
  let ticks0 = 0;
  let ticks = 0;
  let t0 = 0;
  let windowMs = 0;
  const result = await runGenerator(generatorJob(s, t, plan, rate), loadCpus, (phase) => {
    const now = sampleTrees(pids).cpuTicks;
    if (phase === 'measure-start') {
      ticks0 = now;
      t0 = performance.now();
    } else {
      ticks = now - ticks0;
      windowMs = performance.now() - t0;
    }
  });
  // busy: share of one CPU over the real window (an overloaded row's drain makes it longer)
  const busy = windowMs > 0 ? ticks / clockTicksPerSecond() / (windowMs / 1000) : undefined;
  return { result, cpuSecPer1000: perThousand(ticks, result.measured), busy };
};

interface Load {
  readonly t: Target;
  readonly cpus: string;
  /** The framed gRPC request for h2load. */
  readonly grpc: GrpcCall;
}

/** gRPC rows have no other load, so a short unmeasured h2load run warms the Node proxies' JIT. */
const warmUp = async (s: Scenario, l: Load): Promise<void> => {
  if (s.protocol === 'grpc') await closedLoop(s, l, 1);
};

const closedLoop = (s: Scenario, l: Load, seconds: number): Promise<ClosedLoopResult> => {
  const common = { port: l.t.port, hostHeader: HOST, seconds, cpus: l.cpus };
  // 64 requests in flight either way: 64 HTTP/1.1 connections, or 8 h2 connections × 8 streams
  return s.protocol === 'grpc'
    ? runH2load({ ...common, connections: 8, streams: 8, grpc: l.grpc })
    : runWrk({ ...common, connections: 64 });
};

const measureTarget = async (s: Scenario, l: Load, plan: Plan): Promise<RowResult> => {
  const { t, cpus: loadCpus } = l;
  await probe(t.port, s.protocol);
  const pids = t.procs.map((p) => p.pid);
  const rssIdleKb = sampleTrees(pids).rssKb;
  const peak = watchPeakRss(pids);
  const rates: Record<string, OpenLoopResult> = {};
  const cpuByRate: Record<string, number> = {};
  const busyByRate: Record<string, number> = {};
  try {
    // closed loop first: it also warms the JIT of the Node proxies before latency is taken
    await warmUp(s, l);
    const ticks0 = sampleTrees(pids).cpuTicks;
    const max = await closedLoop(s, l, plan.closedLoopSeconds);
    const cpuSecPer1000AtMax = perThousand(sampleTrees(pids).cpuTicks - ticks0, max.requests);
    for (const rate of plan.rates) {
      const r = await openLoop(s, t, plan, rate, loadCpus);
      rates[String(rate)] = r.result;
      cpuByRate[String(rate)] = r.cpuSecPer1000;
      if (r.busy !== undefined) busyByRate[String(rate)] = r.busy;
    }
    const resources = {
      cpuSecPer1000: cpuByRate[String(plan.cpuRate)],
      cpuByRate,
      busyByRate,
      cpuSecPer1000AtMax,
      rssIdleMb: rssIdleKb / 1024,
      rssLoadMb: peak() / 1024,
    };
    return { ...describe(s), closedLoop: max, rates, ...(pids.length > 0 ? resources : {}) };
  } finally {
    peak();
  }
};

/** An idle row gets no traffic: RSS once it has settled, and the peak over a short window after. */
const IDLE_SETTLE_MS = 1_000;
const IDLE_WINDOW_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const measureIdle = async (s: Scenario, t: Target): Promise<RowResult> => {
  const pids = t.procs.map((p) => p.pid);
  await sleep(IDLE_SETTLE_MS);
  const rssIdleKb = sampleTrees(pids).rssKb;
  const peak = watchPeakRss(pids);
  await sleep(IDLE_WINDOW_MS);
  return { ...describe(s), rates: {}, rssIdleMb: rssIdleKb / 1024, rssLoadMb: peak() / 1024 };
};

const describe = (s: Scenario) => ({
  name: s.name,
  shape: s.shape,
  proxy: s.proxy,
  tls: s.tls,
  protocol: s.protocol,
});

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
    if (s.shape === 'idle') return await measureIdle(s, target);
    const requestFile = join(env.dir, 'grpc-request.bin');
    writeFileSync(requestFile, GRPC_REQUEST);
    const load = { t: target, cpus: loadCpus, grpc: { path: GRPC_PATH, requestFile } };
    return await measureTarget(s, load, plan);
  } catch (e) {
    return { ...describe(s), rates: {}, unavailable: `failed: ${(e as Error).message}` };
  } finally {
    await target.stop();
  }
};
