// ProxySnapshot ⇄ the discovery wire (JSON bytes in SnapshotResponse, see
// docs/adr/0001-snapshot-wire-format.md). fromWire is the sidecar's edge: nothing it has not
// checked reaches a proxy stack.
import type { ConfigIssue, Result } from '../model/result.ts';
import type { ProxySnapshot } from '../model/snapshot.ts';
import { toConfigIssues } from '../schema/issues.ts';
import { snapshotSchema } from '../schema/snapshot.ts';

export interface WireSnapshot {
  readonly version: string;
  readonly snapshotJson: Buffer;
}

// Every sidecar of a namespace shares one services object (control-plane/snapshot), which is
// most of a snapshot's bytes: serialise it once per model instead of once per sidecar.
const servicesJson = new WeakMap<object, string>();

export const toWire = (snapshot: ProxySnapshot): WireSnapshot => {
  const { services, ...rest } = snapshot;
  let body = servicesJson.get(services);
  if (body === undefined) {
    body = JSON.stringify(services);
    servicesJson.set(services, body);
  }
  const head = JSON.stringify(rest); // never empty: version and workload are required
  return {
    version: snapshot.version,
    snapshotJson: Buffer.from(`${head.slice(0, -1)},"services":${body}}`, 'utf8'),
  };
};

export const fromWire = (msg: {
  readonly version: string;
  readonly snapshotJson: Uint8Array;
}): Result<ProxySnapshot> => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(msg.snapshotJson).toString('utf8'));
  } catch (e) {
    return {
      ok: false,
      error: [{ path: 'snapshot_json', message: `is not valid JSON: ${(e as Error).message}` }],
    };
  }
  const parsed = snapshotSchema.safeParse(decoded, { reportInput: true });
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
