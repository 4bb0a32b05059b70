// ProxySnapshot ⇄ the discovery wire (JSON bytes in SnapshotResponse, see
// docs/adr/0001-snapshot-wire-format.md): a whole snapshot, or a delta against the one the
// sidecar has ACKed (docs/adr/0002-snapshot-deltas.md). fromWire is the sidecar's edge: nothing
// it has not checked reaches a proxy stack.
import type { ConfigIssue, Result } from '../model/result.ts';
import type { ProxySnapshot } from '../model/snapshot.ts';
import { toConfigIssues } from '../schema/issues.ts';
import { snapshotSchema } from '../schema/snapshot.ts';
import { applyDelta, diffServices } from './snapshot-delta.ts';

export interface WireSnapshot {
  readonly version: string;
  readonly snapshotJson: Buffer;
  /** Set when snapshotJson is a delta against the snapshot of this version. */
  readonly baseVersion?: string;
}

// Every sidecar of a namespace shares one services object (control-plane/snapshot), which is
// most of a snapshot's bytes: encode it (and each delta between two of them) once, then only
// the small per-workload head is encoded per sidecar.
const fullBodies = new WeakMap<object, Buffer>();
const deltaBodies = new WeakMap<object, WeakMap<object, Buffer>>();

const memo = <K extends object>(cache: WeakMap<K, Buffer>, key: K, encode: () => string): Buffer => {
  let body = cache.get(key);
  if (body === undefined) cache.set(key, (body = Buffer.from(encode(), 'utf8')));
  return body;
};

const deltaBody = (base: ProxySnapshot['services'], next: ProxySnapshot['services']): Buffer => {
  let byNext = deltaBodies.get(base);
  if (!byNext) deltaBodies.set(base, (byNext = new WeakMap()));
  return memo(byNext, next, () => {
    const d = diffServices(base, next);
    return `,"services":${JSON.stringify(d.services)},"removed":${JSON.stringify(d.removed)}}`;
  });
};

/** The whole snapshot, or (given the snapshot the sidecar runs) only what changed since. */
export const toWire = (snapshot: ProxySnapshot, base?: ProxySnapshot): WireSnapshot => {
  const { services, ...rest } = snapshot;
  const head = JSON.stringify(rest).slice(0, -1); // never "{}": version and workload are required
  const body = base
    ? deltaBody(base.services, services)
    : memo(fullBodies, services, () => `,"services":${JSON.stringify(services)}}`);
  return {
    version: snapshot.version,
    snapshotJson: Buffer.concat([Buffer.from(head, 'utf8'), body]),
    ...(base ? { baseVersion: base.version } : {}),
  };
};

const parseJson = (bytes: Uint8Array): Result<unknown> => {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(bytes).toString('utf8')) };
  } catch (e) {
    return {
      ok: false,
      error: [{ path: 'snapshot_json', message: `is not valid JSON: ${(e as Error).message}` }],
    };
  }
};

/** The NACK issue path of a delta the sidecar could not apply: the control plane sends it whole. */
export const BASE_VERSION_PATH = 'base_version';

/** A delta needs the snapshot it was computed against. */
const resolveDelta = (decoded: unknown, baseVersion: string, base?: ProxySnapshot): Result<unknown> => {
  if (base?.version !== baseVersion) {
    const runs = base ? `runs ${base.version}` : 'runs no snapshot yet';
    const message = `is ${baseVersion} but this sidecar ${runs}: send the whole snapshot`;
    return { ok: false, error: [{ path: BASE_VERSION_PATH, message }] };
  }
  return applyDelta(base, decoded);
};

export const fromWire = (
  msg: { readonly version: string; readonly snapshotJson: Uint8Array; readonly baseVersion?: string },
  base?: ProxySnapshot,
): Result<ProxySnapshot> => {
  let decoded = parseJson(msg.snapshotJson);
  if (decoded.ok && msg.baseVersion) decoded = resolveDelta(decoded.value, msg.baseVersion, base);
  if (!decoded.ok) return decoded;
  const parsed = snapshotSchema.safeParse(decoded.value, { reportInput: true });
  if (!parsed.success) return { ok: false, error: toConfigIssues(parsed.error, 'snapshot') };
  if (parsed.data.version !== msg.version) {
    const issue: ConfigIssue = {
      path: 'snapshot.version',
      message: `must equal the response version ${msg.version} (got ${parsed.data.version})`,
    };
    return { ok: false, error: [issue] };
  }
  return { ok: true, value: parsed.data };
};
