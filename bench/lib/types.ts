// The numbers one run produces, shared by the measuring side and the pure rendering side.
import type { OpenLoopResult } from './open-loop.ts';
import type { Protocol, Shape } from './scenario.ts';
import type { ClosedLoopResult } from './wrk.ts';

export interface Plan {
  readonly mode: 'quick' | 'full';
  readonly rates: readonly number[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly closedLoopSeconds: number;
  readonly maxConnections: number;
  readonly drainMs: number;
  /** The rate at which CPU per 1000 requests is taken. */
  readonly cpuRate: number;
  readonly hookTimeoutMs: number;
  /** Whole-run time limit; hooks get what the rows left (quick mode), none when undefined. */
  readonly budgetMs?: number;
}

export interface RowResult {
  readonly name: string;
  readonly shape: Shape;
  readonly proxy: string;
  readonly tls: boolean;
  readonly protocol: Protocol;
  /** Why the row has no numbers (not available here, or it failed); absent when measured. */
  readonly unavailable?: string;
  readonly closedLoop?: ClosedLoopResult;
  /** CPU seconds of the proxies per 1000 requests during the closed loop (gRPC rows: at saturation). */
  readonly cpuSecPer1000AtMax?: number;
  /** Keyed by rate, as a string ("1000"). */
  readonly rates: Readonly<Record<string, OpenLoopResult>>;
  /** CPU seconds of the row's proxies per 1000 requests at plan.cpuRate. */
  readonly cpuSecPer1000?: number;
  /** The same at every open-loop rate, keyed like `rates`. */
  readonly cpuByRate?: Readonly<Record<string, number>>;
  /** Share of one CPU the proxies used during each rate's measured window (1 = one full CPU). */
  readonly busyByRate?: Readonly<Record<string, number>>;
  readonly rssIdleMb?: number;
  readonly rssLoadMb?: number;
}

export interface HookResult {
  readonly name: string;
  readonly seconds: number;
  readonly data?: unknown;
  readonly error?: string;
}

export interface RunMeta {
  readonly date: string;
  readonly mode: 'quick' | 'full';
  readonly nproc: number;
  readonly cpuModel: string;
  readonly loadAverage: readonly number[];
  readonly versions: Readonly<Record<string, string>>;
  readonly layout: string;
  readonly plan: Plan;
  /** Things a reader must know to trust the numbers (machine busy, rows skipped). */
  readonly notes: readonly string[];
}

export interface RunReport {
  readonly meta: RunMeta;
  readonly rows: readonly RowResult[];
  readonly hooks: readonly HookResult[];
}
