// Pure: one start time per FaultInjection experiment for every replica. The leader records when
// it first saw the current generation in the object's status (startTime, endTime,
// startedGeneration); every replica, the leader included, then times the fault from that record,
// so all of them (and their sidecars) end it at the same moment, whoever leads later.
import type { JsonObject } from './kube-http.ts';

interface FaultShape {
  kind?: unknown;
  metadata?: { name?: string; namespace?: string; generation?: number };
  status?: { startTime?: unknown; startedGeneration?: unknown };
}

/** The experiment of one FaultInjection as a replica timed it (ModelState.faultStatus()). */
export interface FaultTiming {
  /** `namespace/name` */
  readonly name: string;
  readonly startTime: string;
  readonly endTime?: string;
}

export interface FaultStartStatus {
  readonly startTime: string;
  readonly endTime?: string;
  readonly startedGeneration: number;
}

/** The key ModelState times a fault by: `namespace/name@generation` (control-plane/index/policies.ts). */
const keyOf = (f: FaultShape): string | undefined => {
  const md = f.metadata;
  if (!md?.name || md.generation === undefined) return undefined;
  return `${md.namespace ?? ''}/${md.name}@${md.generation}`;
};

/** Recorded starts of the objects' current generations, by fault key (ms since the epoch). */
export const recordedStarts = (objects: Iterable<JsonObject>): Map<string, number> => {
  const out = new Map<string, number>();
  for (const o of objects as Iterable<FaultShape>) {
    const key = keyOf(o);
    const { startTime, startedGeneration } = o.status ?? {};
    if (o.kind !== 'FaultInjection' || !key || startedGeneration !== o.metadata?.generation) continue;
    const ms = typeof startTime === 'string' ? Date.parse(startTime) : NaN;
    if (Number.isFinite(ms)) out.set(key, ms);
  }
  return out;
};

/** What the leader adds to a FaultInjection's status; undefined when its generation is recorded. */
export const faultStartPatch = (
  obj: JsonObject,
  timings: ReadonlyMap<string, FaultTiming>,
): FaultStartStatus | undefined => {
  const f = obj as FaultShape;
  const generation = f.metadata?.generation;
  if (f.kind !== 'FaultInjection' || generation === undefined) return undefined;
  if (f.status?.startedGeneration === generation) return undefined;
  const timing = timings.get(`${f.metadata?.namespace ?? ''}/${f.metadata?.name ?? ''}`);
  if (!timing) return undefined; // not compiled yet: the next pass writes it
  return {
    startTime: timing.startTime,
    ...(timing.endTime !== undefined ? { endTime: timing.endTime } : {}),
    startedGeneration: generation,
  };
};
