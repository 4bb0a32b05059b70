// The last snapshot this sidecar accepted, kept in its state directory (the pod's in-memory
// volume) so a sidecar restarted while the control plane is away serves its last configuration
// instead of nothing. Written after every accepted snapshot; read back through the same schema
// as the wire (api/convert), and only when it names this very workload.
import type { Logger } from 'pino';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { toWire, fromWire } from '../../api/convert/snapshot-wire.ts';
import { formatIssues } from '../../api/model/result.ts';
import { latestWriter, readStateFile, writeStateFile } from './state-file.ts';
import type { SnapshotSource } from './source.ts';

export const SNAPSHOT_FILE = 'snapshot.json';

/**
 * Snapshots bigger than this are not persisted (a warning says so): the injected state volume is
 * an in-memory emptyDir limited to 32 MiB, shared with the certificate and key, and the kubelet
 * evicts a pod whose emptyDir outgrows its limit.
 */
export const MAX_PERSISTED_SNAPSHOT_BYTES = 24 * 1024 * 1024;

export interface PersistedFile {
  readonly version: string;
  /** When it was written (epoch ms): how old the configuration a restart falls back to is. */
  readonly savedAt: number;
  readonly snapshot: unknown;
}

/** Who the file must be for: a snapshot of another workload is never served. */
export interface SnapshotOwner {
  readonly workload: string;
  readonly namespace: string;
}

/** Undefined (with one log line saying why) when there is no usable file. */
export const loadLastKnownGood = async (
  dir: string,
  owner: SnapshotOwner,
  logger: Logger,
): Promise<ProxySnapshot | undefined> => {
  const log = logger.child({ component: 'proxy.discovery.last-known-good', dir });
  let text: string | undefined;
  try {
    text = await readStateFile(dir, SNAPSHOT_FILE);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'cannot read the persisted snapshot; starting without one');
    return undefined;
  }
  if (text === undefined) return undefined;
  let file: PersistedFile;
  try {
    file = JSON.parse(text) as PersistedFile;
  } catch {
    log.warn('persisted snapshot is not JSON; ignoring it');
    return undefined;
  }
  const r = fromWire({
    version: String(file?.version),
    snapshotJson: Buffer.from(JSON.stringify(file?.snapshot ?? null)),
  });
  if (!r.ok) {
    log.warn({ issues: formatIssues(r.error) }, 'persisted snapshot is invalid; ignoring it');
    return undefined;
  }
  const { name, namespace } = r.value.workload;
  if (name !== owner.workload || namespace !== owner.namespace) {
    log.warn({ for: `${namespace}/${name}` }, 'persisted snapshot is for another workload; ignoring it');
    return undefined;
  }
  log.info({ version: r.value.version, savedAt: new Date(file.savedAt).toISOString() }, 'loaded');
  return r.value;
};

/** Writes every snapshot `source` accepts to `dir`; returns the unsubscribe function. */
export const persistSnapshots = (
  source: Pick<SnapshotSource, 'subscribe'>,
  dir: string,
  logger: Logger,
  now: () => number = Date.now,
): (() => void) => {
  const log = logger.child({ component: 'proxy.discovery.last-known-good', dir });
  const save = latestWriter(
    (s: ProxySnapshot) => {
      const json = toWire(s).snapshotJson;
      if (json.length > MAX_PERSISTED_SNAPSHOT_BYTES) {
        log.warn(
          { bytes: json.length, limit: MAX_PERSISTED_SNAPSHOT_BYTES, version: s.version },
          'snapshot too large to persist; a restart while the control plane is down will wait for it',
        );
        return Promise.resolve();
      }
      const body = json.toString('utf8');
      return writeStateFile(
        dir,
        SNAPSHOT_FILE,
        `{"version":${JSON.stringify(s.version)},"savedAt":${now()},"snapshot":${body}}`,
      );
    },
    (e) =>
      log.warn(
        { err: (e as Error).message },
        'cannot persist the snapshot; a restart will wait for the control plane',
      ),
  );
  return source.subscribe((s) => void save(s));
};

/**
 * `inner` (the control plane's stream) with `fallback` served until the stream delivers: current()
 * and ready() answer with the fallback at once; the first real snapshot replaces it as usual.
 */
export const withFallback = (inner: SnapshotSource, fallback: ProxySnapshot | undefined): SnapshotSource =>
  fallback === undefined
    ? inner
    : {
        current: () => inner.current() ?? fallback,
        subscribe: (l) => inner.subscribe(l),
        ready: () => Promise.resolve(inner.current() ?? fallback),
        close: () => inner.close(),
      };
