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

export const toWire = (snapshot: ProxySnapshot): WireSnapshot => ({
  version: snapshot.version,
  snapshotJson: Buffer.from(JSON.stringify(snapshot), 'utf8'),
});

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
