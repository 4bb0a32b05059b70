// What every configuration source (the YAML folder, the Kubernetes informers) hands the
// index: the current parsed resources, each with where it came from, and the current issues.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { MeshResource } from '../../api/schema/resources.ts';

export interface SourcedResource {
  readonly resource: MeshResource;
  /** File (or "kube://…" reference) the object was read from; prefixes its issue paths. */
  readonly origin: string;
}

/** A running pod (Kubernetes mode): who serves the addresses an EndpointSlice lists. */
export interface PodRecord {
  readonly namespace: string;
  readonly pod: string;
  readonly serviceAccount: string;
}

export interface ConfigState {
  readonly resources: readonly SourcedResource[];
  /** Problems in the source right now; objects they concern keep their last good content. */
  readonly issues: readonly ConfigIssue[];
  /** Pods of meshed namespaces by pod IP (Kubernetes mode), for endpoint identities. */
  readonly pods?: ReadonlyMap<string, PodRecord>;
  /**
   * FaultInjection start times the leader recorded (Kubernetes mode), by `namespace/name@generation`:
   * they win over each replica's own first sight, so every replica ends a fault at the same time.
   */
  readonly faultStarts?: ReadonlyMap<string, number>;
}

export interface ConfigSource {
  /** Loads everything once (onChange is called before this resolves), then reports each change. */
  start(onChange: (state: ConfigState) => void): Promise<void>;
  stop(): Promise<void>;
  current(): ConfigState;
}
