// FaultInjection spec.abortIf: while an experiment with abortIf runs, the guard measures its target
// Service as the callers see it, one window after another on the injected clock (leader only),
// and ends the experiment when a window fails (the canary analysis judges it). An ended fault is
// left out of the compiled model (its object stays as written) and /status says why.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import type { FaultInjectionResource } from '../../api/schema/resources.ts';
import { analyse, type BackendFigures } from '../canary/analysis.ts';
import { type MetricsSource, NO_FIGURES } from '../canary/metrics-source.ts';
import { faultVersionKey } from '../index/policies.ts';
import { keyOf } from '../index/select.ts';
import type { FaultStatus } from '../model-state.ts';
import type { SourcedResource } from '../sources/types.ts';

export interface FaultGuardOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsSource;
  readonly isLeader?: () => boolean;
  /** An experiment was ended: recompile so sidecars stop injecting. */
  readonly onAbort: () => void;
  /** Whether the experiment still runs by its own clock (spec.duration); unknown counts as yes. */
  readonly isActive: (fault: string) => boolean;
}

export interface FaultAbort {
  readonly at: string;
  readonly reason: string;
  readonly requests: number;
  readonly successRate: number | null;
  readonly p99Ms: number | null;
}

type Guarded = FaultInjectionResource & {
  spec: { abortIf: NonNullable<FaultInjectionResource['spec']['abortIf']> };
};

export class FaultGuard {
  private readonly o: FaultGuardOptions;
  private readonly log: Logger;
  /** By fault version: a new version of the object is a new experiment. */
  private readonly aborted = new Map<string, FaultAbort & { name: string }>();
  private readonly timers = new Map<string, { cancelled: boolean; timer?: TimerHandle }>();
  private guarded = new Map<string, Guarded>();

  constructor(o: FaultGuardOptions) {
    this.o = o;
    this.log = o.logger.child({ component: 'control-plane.fault-guard' });
  }

  sync(resources: readonly SourcedResource[]): void {
    this.guarded = new Map(
      resources.flatMap(({ resource: r }) =>
        r.kind === 'FaultInjection' && r.spec.abortIf ? [[faultVersionKey(r), r as Guarded] as const] : [],
      ),
    );
    for (const key of [...this.timers.keys()]) if (!this.guarded.has(key)) this.stop(key);
    for (const key of this.guarded.keys()) this.start(key);
  }

  /** The configuration without the experiments the guard ended. */
  overlay(resources: readonly SourcedResource[]): readonly SourcedResource[] {
    if (this.aborted.size === 0) return resources;
    return resources.filter(
      ({ resource: r }) => r.kind !== 'FaultInjection' || !this.aborted.has(faultVersionKey(r)),
    );
  }

  /** /status: an ended experiment says when and why. */
  decorate(faults: readonly FaultStatus[]): FaultStatus[] {
    const byName = new Map([...this.aborted.values()].map((a) => [a.name, a]));
    return faults.map((f) => {
      const a = byName.get(f.name);
      return a ? { ...f, state: 'ended', endTime: a.at, abortedBy: a } : f;
    });
  }

  close(): void {
    for (const key of [...this.timers.keys()]) this.stop(key);
  }

  private stop(key: string): void {
    const t = this.timers.get(key);
    if (t?.timer) this.o.clock.clearTimeout(t.timer);
    if (t) t.cancelled = true;
    this.timers.delete(key);
  }

  private start(key: string): void {
    if (this.timers.has(key) || this.aborted.has(key) || !(this.o.isLeader?.() ?? true)) return;
    const token: { cancelled: boolean; timer?: TimerHandle } = { cancelled: false };
    this.timers.set(key, token);
    void this.window(key, token);
  }

  private async window(key: string, token: { cancelled: boolean; timer?: TimerHandle }): Promise<void> {
    const f = this.guarded.get(key);
    if (!f || token.cancelled) return;
    const target = `${f.meta.namespace}/${f.spec.targetRef.name}`;
    const { window } = f.spec.abortIf;
    const measure = await this.o.metrics.openServiceWindow(target, window).catch(() => undefined);
    if (token.cancelled) return;
    token.timer = this.o.clock.setTimeout(async () => {
      const figures = measure ? await measure().catch(() => NO_FIGURES) : NO_FIGURES;
      if (token.cancelled) return;
      this.timers.delete(key);
      if (!this.o.isActive(keyOf(f))) return; // ended by its duration: nothing left to guard
      if (this.judge(key, f, figures)) this.o.onAbort();
      else this.start(key);
    }, window);
  }

  /** True when this window ends the experiment. */
  private judge(key: string, f: Guarded, figures: BackendFigures): boolean {
    const a = f.spec.abortIf;
    const result = analyse(
      {
        interval: a.window,
        ...(a.minRequests !== undefined ? { minRequests: a.minRequests } : {}),
        ...(a.successRateFloor !== undefined ? { successRateFloor: a.successRateFloor } : {}),
        ...(a.p99Ceiling !== undefined ? { p99Ceiling: { max: a.p99Ceiling } } : {}),
      },
      { canary: figures, stable: NO_FIGURES },
    );
    if (result.verdict !== 'fail') return false;
    const abort = {
      name: keyOf(f),
      at: new Date(this.o.clock.wallNow()).toISOString(),
      reason: `abortIf: ${result.reasons.join('; ')}`,
      requests: figures.requests,
      successRate: figures.successRate,
      p99Ms: figures.p99Ms,
    };
    this.aborted.set(key, abort);
    this.log.warn(abort, `fault experiment ${abort.name} ended early: ${abort.reason}`);
    return true;
  }
}
