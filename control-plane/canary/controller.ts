// The Canary controller: keeps one rollout per accepted Canary, runs its analysis windows on the
// injected clock (only where `isLeader` says so), and writes the rollout's weights into the
// traffic object through the weights overlay the model is compiled with. Rollouts are recorded
// in the status store on every change, so a restart resumes at the same weight and step.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConfigIssue } from '../../api/model/result.ts';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import type { CanaryResource } from '../../api/schema/resources.ts';
import { keyOf, type Sourced } from '../index/select.ts';
import type { SourcedResource } from '../sources/types.ts';
import { analyse, type WindowFigures } from './analysis.ts';
import { acceptedCondition, type CanaryStatus, rolloutFields } from './canary-status.ts';
import type { MetricsSource } from './metrics-source.ts';
import {
  afterWindow,
  beginRollout,
  command,
  type RolloutCommand,
  type RolloutState,
  specChanged,
} from './rollout.ts';
import type { CanaryStatusStore, RecordedRollout } from './status-store.ts';
import { type CanaryWeights, trafficKeyOf } from './traffic-target.ts';
import { checkCanaries } from './validate.ts';

export interface CanaryControllerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsSource;
  /** The metrics source's refresh period: no analysis window may be shorter. */
  readonly scrapeIntervalMs: number;
  readonly store: CanaryStatusStore;
  /** Kubernetes mode: only the leader runs windows and moves weights (default: always). */
  readonly isLeader?: () => boolean;
  /** The weights overlay changed outside a config change: recompile and push. */
  readonly onWeightsChanged: () => void;
}

export type CommandResult = { ok: true; status: CanaryStatus } | { ok: false; message: string };

const hashOf = (spec: CanaryResource['spec']): string =>
  createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);

const finished = (s: RolloutState): boolean => s.phase === 'Promoted' || s.phase === 'RolledBack';

export class CanaryController {
  private readonly o: CanaryControllerOptions;
  private readonly log: Logger;
  private readonly rollouts: Map<string, RecordedRollout>;
  private canaries = new Map<string, Sourced<CanaryResource>>();
  private refused: ReadonlyMap<string, readonly ConfigIssue[]> = new Map();
  private checkIssues: readonly ConfigIssue[] = [];
  private readonly windows = new Map<string, { cancelled: boolean; timer?: TimerHandle }>();

  constructor(o: CanaryControllerOptions) {
    this.o = o;
    this.log = o.logger.child({ component: 'control-plane.canary' });
    this.rollouts = new Map(o.store.load());
  }

  /** A new configuration: start, resume, restart or release rollouts. */
  sync(resources: readonly SourcedResource[]): void {
    const running = new Set(
      [...this.rollouts].filter(([, r]) => !r.releasedAt && !finished(r.state)).map(([k]) => k),
    );
    const checks = checkCanaries(resources, { scrapeIntervalMs: this.o.scrapeIntervalMs, running });
    this.checkIssues = checks.issues;
    this.refused = checks.refused;
    const present = new Set(
      resources.filter((s) => s.resource.kind === 'Canary').map((s) => keyOf(s.resource)),
    );
    this.canaries = new Map(checks.accepted.map((s) => [keyOf(s.resource), s]));
    for (const key of this.windows.keys()) if (!this.canaries.has(key)) this.stopWindows(key);
    const specOf = (trafficKey: string): string | undefined => {
      const s = resources.find(
        ({ resource: r }) => `${r.kind} ${r.meta.namespace}/${r.meta.name}` === trafficKey,
      );
      return s && 'spec' in s.resource ? JSON.stringify(s.resource.spec) : undefined;
    };
    for (const [key, r] of this.rollouts) {
      if (!present.has(key) && !r.releasedAt) this.release(key, r, specOf(r.trafficKey));
      else if (r.releasedAt && !present.has(key) && specOf(r.trafficKey) !== r.releasedSpec)
        this.handBack(key, r);
    }
    for (const [key, s] of this.canaries) this.adopt(key, s.resource);
    this.o.store.save(this.rollouts);
  }

  /** Weights every traffic object must carry now, by `Kind namespace/name`. */
  weightsOverlay(): ReadonlyMap<string, CanaryWeights> {
    const out = new Map<string, CanaryWeights>();
    for (const r of this.rollouts.values())
      out.set(r.trafficKey, {
        stableBackend: r.stableBackend,
        canaryBackend: r.canaryBackend,
        ...r.state.weights,
      });
    return out;
  }

  issues(): readonly ConfigIssue[] {
    return this.checkIssues;
  }

  status(): CanaryStatus[] {
    const keys = new Set([...this.rollouts.keys(), ...this.refused.keys(), ...this.canaries.keys()]);
    return [...keys].sort().map((key) => this.statusOf(key));
  }

  command(key: string, c: RolloutCommand): CommandResult {
    const s = this.canaries.get(key);
    const r = this.rollouts.get(key);
    if (!s || !r) return { ok: false, message: `no accepted Canary ${key}: see /status for its conditions` };
    this.log.info({ name: key, command: c }, 'canary command');
    this.advance(key, command(s.resource.spec, r.state, c));
    if (c === 'pause' || finished(this.rollouts.get(key)?.state as RolloutState)) this.stopWindows(key);
    this.startWindows(key);
    return { ok: true, status: this.statusOf(key) };
  }

  /** Leadership arrived (Kubernetes mode): run the windows this replica did not run. */
  leadershipChanged(): void {
    for (const key of this.canaries.keys()) this.startWindows(key);
  }

  close(): void {
    for (const key of [...this.windows.keys()]) this.stopWindows(key);
  }

  private statusOf(key: string): CanaryStatus {
    const s = this.canaries.get(key)?.resource;
    const r = this.rollouts.get(key);
    return {
      name: key,
      service: s ? `${s.meta.namespace}/${s.spec.targetRef.name}` : (r?.trafficKey ?? ''),
      trafficRef: s ? trafficKeyOf(s) : (r?.trafficKey ?? ''),
      weightHistory: [],
      analysis: [],
      message: '',
      ...(r ? rolloutFields(r.state) : {}),
      ...(r?.releasedAt ? { releasedAt: r.releasedAt } : {}),
      conditions: [acceptedCondition(this.refused.get(key))],
    };
  }

  private adopt(key: string, c: CanaryResource): void {
    const hash = hashOf(c.spec);
    const prev = this.rollouts.get(key);
    let state: RolloutState;
    if (!prev || prev.releasedAt) {
      state = beginRollout(c.spec, hash);
      this.log.info({ name: key, weight: state.weights.canary }, 'canary rollout started');
    } else if (prev.state.specHash !== hash) {
      state = specChanged(c.spec, prev.state, hash);
      this.stopWindows(key);
      this.log.info(
        { name: key, step: state.stepIndex, weight: state.weights.canary },
        'canary spec changed: analysis restarts at the current step',
      );
    } else state = prev.state;
    const record = {
      state,
      trafficKey: trafficKeyOf(c),
      stableBackend: c.spec.stableBackend,
      canaryBackend: c.spec.canaryBackend,
    };
    this.rollouts.set(key, record);
    this.startWindows(key);
  }

  /** The traffic object was edited (or removed) after its Canary was deleted: its own weights apply. */
  private handBack(key: string, r: RecordedRollout): void {
    this.rollouts.delete(key);
    this.log.info(
      { name: key, trafficRef: r.trafficKey },
      `${r.trafficKey} changed after its Canary was deleted: its own weights apply`,
    );
  }

  private release(key: string, r: RecordedRollout, spec: string | undefined): void {
    this.stopWindows(key);
    const releasedAt = new Date(this.o.clock.wallNow()).toISOString();
    this.rollouts.set(key, { ...r, releasedAt, ...(spec !== undefined ? { releasedSpec: spec } : {}) });
    this.log.warn(
      { name: key, trafficRef: r.trafficKey, ...r.state.weights },
      `canary deleted: ${r.trafficKey} is left at canary ${r.state.weights.canary} %, stable ${r.state.weights.stable} %; edit it to change them`,
    );
  }

  private advance(key: string, next: RolloutState): void {
    const r = this.rollouts.get(key);
    if (!r || r.state === next) return;
    this.rollouts.set(key, { ...r, state: next });
    this.o.store.save(this.rollouts);
    if (next.phase !== r.state.phase)
      this.log.info({ name: key, phase: next.phase, message: next.message }, `canary ${next.phase}`);
    const w = r.state.weights;
    if (w.canary !== next.weights.canary || w.stable !== next.weights.stable) {
      this.log.info({ name: key, ...next.weights }, 'canary weights set');
      this.o.onWeightsChanged();
    }
  }

  private stopWindows(key: string): void {
    const w = this.windows.get(key);
    if (!w) return;
    w.cancelled = true;
    if (w.timer) this.o.clock.clearTimeout(w.timer);
    this.windows.delete(key);
  }

  /** One window after another while the rollout progresses (leader only). */
  private startWindows(key: string): void {
    const r = this.rollouts.get(key);
    if (this.windows.has(key) || r?.state.phase !== 'Progressing' || !(this.o.isLeader?.() ?? true)) return;
    const token: { cancelled: boolean; timer?: TimerHandle } = { cancelled: false };
    this.windows.set(key, token);
    void this.runWindow(key, token);
  }

  private async runWindow(key: string, token: { cancelled: boolean; timer?: TimerHandle }): Promise<void> {
    const c = this.canaries.get(key)?.resource;
    if (!c || token.cancelled) return;
    const ns = c.meta.namespace;
    const pair = {
      service: `${ns}/${c.spec.targetRef.name}`,
      stable: `${ns}/${c.spec.stableBackend}`,
      canary: `${ns}/${c.spec.canaryBackend}`,
    };
    const interval = c.spec.analysis.interval;
    const measure = await this.o.metrics.openWindow(pair, interval).catch((e: unknown) => e as Error);
    if (token.cancelled) return;
    token.timer = this.o.clock.setTimeout(async () => {
      const figures = measure instanceof Error ? measure : await measure().catch((e: unknown) => e as Error);
      if (token.cancelled) return;
      this.windows.delete(key);
      this.judge(key, c, figures);
      this.startWindows(key);
    }, interval);
  }

  private judge(key: string, c: CanaryResource, figures: WindowFigures | Error): void {
    const r = this.rollouts.get(key);
    if (!r) return;
    const result =
      figures instanceof Error
        ? {
            verdict: 'inconclusive' as const,
            reasons: [`metrics unavailable from ${this.o.metrics.describe}: ${figures.message}`],
          }
        : analyse(c.spec.analysis, figures);
    const f = figures instanceof Error ? undefined : figures;
    const record = {
      at: new Date(this.o.clock.wallNow()).toISOString(),
      step: r.state.stepIndex,
      weight: r.state.weights.canary,
      verdict: result.verdict,
      requests: f?.canary.requests ?? 0,
      successRate: f?.canary.successRate ?? null,
      p99Ms: f?.canary.p99Ms ?? null,
      stableP99Ms: f?.stable.p99Ms ?? null,
      reasons: result.reasons,
    };
    this.log.info({ name: key, ...record }, `canary window ${result.verdict}`);
    this.advance(key, afterWindow(c.spec, r.state, record));
  }
}
