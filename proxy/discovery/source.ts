// Where a sidecar's configuration comes from: the control plane's gRPC stream, or a static file
// (`weft proxy --config`). The runtime only sees this interface.
import type { ProxySnapshot } from '../../api/model/snapshot.ts';

export interface SnapshotSource {
  /** The last good snapshot, if one has arrived. */
  current(): ProxySnapshot | undefined;
  /** Called with every new accepted snapshot; returns an unsubscribe function. */
  subscribe(listener: (snapshot: ProxySnapshot) => void): () => void;
  /** Resolves with the first accepted snapshot. */
  ready(): Promise<ProxySnapshot>;
  close(): Promise<void>;
}
