// Pure parts of leader election: the Lease spec a candidate writes, and when a lease it has been
// watching counts as expired (local monotonic time since the record last changed, as client-go's
// leader election judges it, so clock skew between replicas cannot cause two leaders).

export interface LeaseRecord {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export interface Observation {
  readonly holder: string;
  /** The record as last seen; a change restarts the expiry countdown. */
  readonly fingerprint: string;
  /** Local monotonic ms when the record was first seen in this form. */
  readonly at: number;
  readonly durationMs: number;
}

/** RFC 3339 with microseconds, the format of a Lease's MicroTime fields. */
export const microTime = (wallMs: number): string => new Date(wallMs).toISOString().replace(/Z$/, '000Z');

export const observe = (
  prev: Observation | undefined,
  spec: LeaseRecord | undefined,
  now: number,
): Observation => {
  const fingerprint = JSON.stringify([spec?.holderIdentity, spec?.renewTime, spec?.leaseDurationSeconds]);
  if (prev?.fingerprint === fingerprint) return prev;
  return {
    holder: spec?.holderIdentity ?? '',
    fingerprint,
    at: now,
    durationMs: (spec?.leaseDurationSeconds ?? 0) * 1000,
  };
};

/** The holder's own duration counts when longer than ours (a replica configured more patiently). */
export const isExpired = (seen: Observation, ourDurationMs: number, now: number): boolean =>
  now - seen.at >= Math.max(seen.durationMs, ourDurationMs);

export const leaseBody = (
  me: { readonly identity: string },
  current: LeaseRecord | undefined,
  wallNow: number,
  leaseMs: number,
): { apiVersion: string; kind: string; spec: LeaseRecord } => {
  const renewing = current?.holderIdentity === me.identity;
  const now = microTime(wallNow);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    spec: {
      holderIdentity: me.identity,
      leaseDurationSeconds: Math.ceil(leaseMs / 1000),
      acquireTime: renewing && current?.acquireTime ? current.acquireTime : now,
      renewTime: now,
      leaseTransitions: (current?.leaseTransitions ?? 0) + (renewing || !current ? 0 : 1),
    },
  };
};
