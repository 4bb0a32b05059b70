// FaultInjection spec.ramp: the experiment starts at the first step's percent and rises step by
// step, each held for its pause, to the spec's own percents. The ramp rewrites the percents of
// the compiled copy (the object stays as written) and asks for a recompile at each step's end,
// on the injected clock. The copy keeps the object's version, so spec.duration still counts from
// the experiment's start.
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import type { FaultInjectionResource, MeshResource } from '../../api/schema/resources.ts';
import { contentHash } from '../../api/convert/stable-json.ts';
import { faultVersionKey } from '../index/policies.ts';
import type { SourcedResource } from '../sources/types.ts';

type Ramped = FaultInjectionResource & {
  spec: { ramp: NonNullable<FaultInjectionResource['spec']['ramp']> };
};

/** The ramp's percent `elapsedMs` after the start, or undefined once every step has passed. */
export const rampPercent = (
  ramp: readonly { readonly percent: number; readonly pause: number }[],
  elapsedMs: number,
): number | undefined => {
  let end = 0;
  for (const step of ramp) {
    end += step.pause;
    if (elapsedMs < end) return step.percent;
  }
  return undefined;
};

/** A version number standing for the object's own version (files have none: their content's hash). */
const versionNumber = (f: FaultInjectionResource): number =>
  f.meta.generation ?? Number.parseInt(contentHash(f.spec).slice(0, 12), 16);

const withPercent = (f: Ramped, percent: number): MeshResource => ({
  ...f,
  meta: { ...f.meta, generation: versionNumber(f) },
  spec: {
    ...f.spec,
    ...(f.spec.delay ? { delay: { ...f.spec.delay, percent } } : {}),
    ...(f.spec.abort ? { abort: { ...f.spec.abort, percent } } : {}),
  },
});

export class FaultRamp {
  private readonly clock: Clock;
  private readonly onStep: () => void;
  /** Start of each ramped experiment, by the object's version (a new version ramps anew). */
  private readonly startedAt = new Map<string, number>();
  private readonly timers = new Map<string, TimerHandle>();

  constructor(clock: Clock, onStep: () => void) {
    this.clock = clock;
    this.onStep = onStep;
  }

  sync(resources: readonly SourcedResource[]): void {
    const seen = new Set<string>();
    for (const { resource: r } of resources) {
      if (r.kind !== 'FaultInjection' || !r.spec.ramp) continue;
      const key = faultVersionKey(r);
      seen.add(key);
      if (this.startedAt.has(key)) continue;
      this.startedAt.set(key, this.clock.now());
      this.schedule(key, r.spec.ramp, 0);
    }
    for (const key of [...this.startedAt.keys()]) if (!seen.has(key)) this.forget(key);
  }

  /** The configuration with every ramping experiment at its current percent. */
  overlay(resources: readonly SourcedResource[]): readonly SourcedResource[] {
    return resources.map((s) => {
      const r = s.resource;
      if (r.kind !== 'FaultInjection' || !r.spec.ramp) return s;
      const start = this.startedAt.get(faultVersionKey(r));
      const percent =
        start === undefined ? r.spec.ramp[0]?.percent : rampPercent(r.spec.ramp, this.clock.now() - start);
      return percent === undefined ? s : { ...s, resource: withPercent(r as Ramped, percent) };
    });
  }

  close(): void {
    for (const key of [...this.timers.keys()]) this.forget(key);
  }

  private forget(key: string): void {
    const t = this.timers.get(key);
    if (t) this.clock.clearTimeout(t);
    this.timers.delete(key);
    this.startedAt.delete(key);
  }

  /** A recompile at the end of step `i`, then the next one. */
  private schedule(key: string, ramp: Ramped['spec']['ramp'], i: number): void {
    const step = ramp[i];
    if (!step) return void this.timers.delete(key);
    const start = this.startedAt.get(key) as number;
    const endsAt = start + ramp.slice(0, i + 1).reduce((a, s) => a + s.pause, 0);
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.onStep();
        this.schedule(key, ramp, i + 1);
      }, endsAt - this.clock.now()),
    );
  }
}
