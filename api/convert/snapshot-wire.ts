// ProxySnapshot ⇄ the discovery wire (JSON bytes in SnapshotResponse, see
// docs/adr/0001-snapshot-wire-format.md): a whole snapshot, or a delta against the one the
// sidecar has ACKed (docs/adr/0002-snapshot-deltas.md), plain or gzip. fromWire is the
// sidecar's edge: nothing it has not checked reaches a proxy stack.
import { gunzipSync, gzipSync } from 'node:zlib';
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
  /** Set when snapshotJson is gzip-encoded. */
  readonly encoding?: 'gzip';
}

export interface WireOptions {
  /** gzip the bytes (the sidecar announced Node.accepts_gzip): a large mesh's JSON repeats itself. */
  readonly gzip?: boolean;
}

/** Largest snapshot a sidecar inflates: far above any real mesh, low enough to stop a zip bomb. */
const MAX_INFLATED = 256 * 1024 * 1024;

// Every sidecar of a namespace shares one services object (control-plane/snapshot), which is
// most of a snapshot's bytes: encode it (and each delta between two of them) once per encoding,
// then only the small per-workload head is encoded per sidecar. gzip members concatenate: the
// head's member followed by the shared body's member inflates to head + body.
interface Bodies {
  readonly full: WeakMap<object, Buffer>;
  readonly delta: WeakMap<object, WeakMap<object, Buffer>>;
  readonly encode: (text: string) => Buffer;
}
const bodies = (encode: (text: string) => Buffer): Bodies => ({
  full: new WeakMap(),
  delta: new WeakMap(),
  encode,
});
const PLAIN = bodies((text) => Buffer.from(text, 'utf8'));
const GZIP = bodies((text) => gzipSync(text));

const memo = <K extends object>(cache: WeakMap<K, Buffer>, key: K, make: () => Buffer): Buffer => {
  let body = cache.get(key);
  if (body === undefined) cache.set(key, (body = make()));
  return body;
};

const bodyOf = (enc: Bodies, next: ProxySnapshot['services'], base?: ProxySnapshot['services']): Buffer => {
  if (!base) return memo(enc.full, next, () => enc.encode(`,"services":${JSON.stringify(next)}}`));
  let byNext = enc.delta.get(base);
  if (!byNext) enc.delta.set(base, (byNext = new WeakMap()));
  return memo(byNext, next, () => {
    const d = diffServices(base, next);
    return enc.encode(`,"services":${JSON.stringify(d.services)},"removed":${JSON.stringify(d.removed)}}`);
  });
};

/** The whole snapshot, or (given the snapshot the sidecar runs) only what changed since. */
export const toWire = (
  snapshot: ProxySnapshot,
  base?: ProxySnapshot,
  opts: WireOptions = {},
): WireSnapshot => {
  const { services, ...rest } = snapshot;
  const enc = opts.gzip ? GZIP : PLAIN;
  const head = JSON.stringify(rest).slice(0, -1); // never "{}": version and workload are required
  return {
    version: snapshot.version,
    snapshotJson: Buffer.concat([enc.encode(head), bodyOf(enc, services, base?.services)]),
    ...(base ? { baseVersion: base.version } : {}),
    ...(opts.gzip ? { encoding: 'gzip' as const } : {}),
  };
};

const inflate = (bytes: Uint8Array, encoding: string | undefined): Result<Uint8Array> => {
  if (!encoding) return { ok: true, value: bytes };
  if (encoding !== 'gzip')
    return { ok: false, error: [{ path: 'encoding', message: `must be "" or "gzip" (got "${encoding}")` }] };
  try {
    return { ok: true, value: gunzipSync(bytes, { maxOutputLength: MAX_INFLATED }) };
  } catch (e) {
    return {
      ok: false,
      error: [{ path: 'snapshot_json', message: `is not valid gzip: ${(e as Error).message}` }],
    };
  }
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
  msg: {
    readonly version: string;
    readonly snapshotJson: Uint8Array;
    readonly baseVersion?: string;
    readonly encoding?: string;
  },
  base?: ProxySnapshot,
): Result<ProxySnapshot> => {
  const bytes = inflate(msg.snapshotJson, msg.encoding);
  if (!bytes.ok) return bytes;
  let decoded = parseJson(bytes.value);
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
