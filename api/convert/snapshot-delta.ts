// Snapshot deltas (docs/adr/0002-snapshot-deltas.md): the services that differ between a snapshot
// a sidecar has ACKed and the next one, and the reverse step on the sidecar. Only the transport
// is incremental: both ends still hold, version and validate whole snapshots.
import type { ConfigIssue, Result } from '../model/result.ts';
import type { ProxySnapshot, ServiceView } from '../model/snapshot.ts';

type Services = ProxySnapshot['services'];

export interface ServicesDelta {
  /** Services added or changed, by key. */
  readonly services: Readonly<Record<string, ServiceView>>;
  /** Keys of services the base has and the next snapshot does not. */
  readonly removed: readonly string[];
}

/**
 * What turns `base` into `next`. Compares by identity: the control plane reuses the object of a
 * service whose content did not change (control-plane/index/intern.ts), so this is one pass of
 * pointer checks; a changed object with equal content is merely sent again.
 */
export const diffServices = (base: Services, next: Services): ServicesDelta => {
  const services: Record<string, ServiceView> = {};
  for (const [key, s] of Object.entries(next)) if (base[key] !== s) services[key] = s;
  const removed = Object.keys(base).filter((key) => !Object.hasOwn(next, key));
  return { services, removed };
};

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * The sidecar's step: a decoded delta body on top of the snapshot it runs → the whole snapshot
 * (still unchecked: the caller validates it like any full snapshot).
 */
export const applyDelta = (base: ProxySnapshot, decoded: unknown): Result<Record<string, unknown>> => {
  const body = (decoded ?? {}) as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  const { services, removed = [], ...rest } = body;
  if (typeof services !== 'object' || services === null || Array.isArray(services))
    issues.push({ path: 'delta.services', message: 'must be a mapping of service key to service' });
  if (!isStringArray(removed))
    issues.push({ path: 'delta.removed', message: 'must be a list of service keys' });
  if (issues.length > 0) return { ok: false, error: issues };
  const merged: Record<string, unknown> = { ...base.services, ...(services as object) };
  for (const key of removed as string[]) delete merged[key];
  return { ok: true, value: { ...rest, services: merged } };
};
