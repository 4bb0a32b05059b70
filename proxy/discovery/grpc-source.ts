// The sidecar's discovery client: a SnapshotSource fed by the control plane's stream. Every
// snapshot is checked at this edge (api/convert) and built by the runtime (`validate`) before it
// is ACKed; a bad one is NACKed with its issues and the last good one keeps serving. When the
// control plane is away, reconnect with capped exponential back-off and jitter (injected clock
// and randomness), still serving the last snapshot.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { nodeToWire, type NodeInfo } from '../../api/convert/node.ts';
import { fromWire } from '../../api/convert/snapshot-wire.ts';
import { formatIssues, type ConfigIssue, type Result } from '../../api/model/result.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import {
  newDiscoveryClient,
  type DiscoveryStream,
  type SnapshotRequestMessage,
  type SnapshotResponseMessage,
} from '../../api/proto/discovery.ts';
import { credentialsOf, type ChannelCredentialsSource } from '../../api/runtime/control-plane-tls.ts';
import { systemClock, type Clock, type Random, type TimerHandle } from '../../api/runtime/clock.ts';
import type { SnapshotSource } from './source.ts';

export interface DiscoveryOptions {
  /** host:port of the control plane's gRPC listener. */
  readonly address: string;
  readonly node: NodeInfo;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Reconnect back-off: base doubles per failed attempt up to max (defaults 250 ms, 10 s). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /**
   * What this sidecar can run, checked before the ACK: a sidecar passes its runtime's prepare(),
   * which builds the listeners' stacks. Any issue → NACK with it, and the last good one stays.
   */
  readonly validate?: (snapshot: ProxySnapshot) => readonly ConfigIssue[];
  /** Registry for weft_discovery_* counters (the sidecar's metrics registry). */
  readonly registry?: Registry;
  /**
   * Default plaintext. A function is called again before each reconnect (each gets a new channel): a
   * trust bundle read from a file (--control-plane-ca) follows the file when the root rotates.
   */
  readonly credentials?: ChannelCredentialsSource;
}

export interface DiscoveryStats {
  readonly accepted: number;
  readonly rejected: number;
  readonly reconnects: number;
  readonly connected: boolean;
}

export interface DiscoverySource extends SnapshotSource {
  stats(): DiscoveryStats;
}

const counters = (registry: Registry | undefined) => {
  if (!registry) return undefined;
  return {
    snapshots: new Counter({
      name: 'weft_discovery_snapshots_total',
      help: 'Snapshots received from the control plane, by result (accepted | rejected)',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'weft_discovery_reconnects_total',
      help: 'Discovery streams re-opened after the previous one ended',
      registers: [registry],
    }),
  };
};

export const connectDiscovery = (opts: DiscoveryOptions): DiscoverySource => {
  const log = opts.logger.child({ component: 'proxy.discovery', controlPlane: opts.address });
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const baseMs = opts.backoff?.baseMs ?? 250;
  const maxMs = opts.backoff?.maxMs ?? 10_000;
  const metrics = counters(opts.registry);
  const newClient = () =>
    newDiscoveryClient(opts.address, credentialsOf(opts.credentials), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
  let client = newClient();
  /**
   * A new channel per reconnect, with freshly read credentials (on a read failure keep the one we
   * have). Fresh also because grpc-js runs its own back-off per channel (1 s × 1.6ⁿ up to 120 s)
   * and fails calls fast meanwhile: a reused channel could stay away for seconds past maxMs.
   */
  const refreshClient = (): void => {
    try {
      const next = newClient();
      client.close();
      client = next;
    } catch (e) {
      log.warn(
        { err: (e as Error).message },
        'reading the control plane credentials failed; keeping the old ones',
      );
    }
  };
  const listeners = new Set<(s: ProxySnapshot) => void>();
  let current: ProxySnapshot | undefined;
  let call: DiscoveryStream | undefined;
  let retryTimer: TimerHandle | undefined;
  let failures = 0;
  let closed = false;
  let connected = false;
  let lastNackedVersion: string | undefined;
  const stats = { accepted: 0, rejected: 0, reconnects: 0 };
  let resolveReady!: (s: ProxySnapshot) => void;
  let rejectReady!: (e: Error) => void;
  const readyPromise = new Promise<ProxySnapshot>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  readyPromise.catch(() => undefined); // close() before the first snapshot is not an unhandled rejection

  const check = (msg: SnapshotResponseMessage): Result<ProxySnapshot> => {
    // A delta (baseVersion set) applies to the snapshot this sidecar runs; fromWire refuses it
    // when that is not its base, and the NACK below makes the control plane send it whole.
    const r = fromWire(msg, current);
    if (!r.ok) return r;
    const { name, namespace } = r.value.workload;
    if (name !== opts.node.workload || namespace !== opts.node.namespace) {
      const message = `is for ${namespace}/${name}, not for this sidecar (${opts.node.namespace}/${opts.node.workload})`;
      return { ok: false, error: [{ path: 'snapshot.workload', message }] };
    }
    const extra = opts.validate?.(r.value) ?? [];
    return extra.length > 0 ? { ok: false, error: extra } : r;
  };

  const send = (s: DiscoveryStream, req: SnapshotRequestMessage): void => {
    s.write(req);
  };

  const onResponse = (s: DiscoveryStream, msg: SnapshotResponseMessage): void => {
    failures = 0; // the stream works: the next outage starts from the base delay
    const r = check(msg);
    if (!r.ok) {
      stats.rejected++;
      metrics?.snapshots.inc({ result: 'rejected' });
      if (lastNackedVersion !== msg.version)
        log.warn(
          { version: msg.version, issues: r.error },
          'rejected a snapshot from the control plane (NACK); keeping the last good one',
        );
      lastNackedVersion = msg.version;
      const message = `snapshot ${msg.version} rejected: ${r.error.length} issue(s)\n${formatIssues(r.error)}`;
      send(s, {
        versionInfo: current?.version ?? '',
        responseNonce: msg.nonce,
        errorDetail: { message, issues: [...r.error] },
      });
      return;
    }
    stats.accepted++;
    metrics?.snapshots.inc({ result: 'accepted' });
    const changed = r.value.version !== current?.version;
    current = r.value;
    if (changed) {
      log.info({ version: r.value.version }, 'snapshot accepted');
      resolveReady(r.value);
      for (const l of listeners) l(r.value);
    }
    // Only now: the ACK tells the control plane this version runs here.
    send(s, { versionInfo: r.value.version, responseNonce: msg.nonce, errorDetail: null });
  };

  const scheduleReconnect = (): void => {
    if (closed || retryTimer) return;
    // Capped exponential back-off with equal jitter: never 0, never in lock-step with peers.
    const cap = Math.min(maxMs, baseMs * 2 ** failures);
    const delay = cap / 2 + random() * (cap / 2);
    failures++;
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      stats.reconnects++;
      metrics?.reconnects.inc();
      refreshClient();
      open();
    }, delay);
    retryTimer.unref?.();
  };

  const open = (): void => {
    if (closed) return;
    const s = client.StreamSnapshots();
    call = s;
    let ended = false;
    const end = (why: string, err?: grpc.ServiceError): void => {
      if (ended) return;
      ended = true;
      if (call === s) call = undefined;
      if (closed) return;
      if (connected || failures === 0)
        log.warn({ why, code: err?.code, details: err?.details }, 'discovery stream ended; reconnecting');
      else log.debug({ why, code: err?.code }, 'control plane still unreachable');
      connected = false;
      scheduleReconnect();
    };
    s.on('metadata', () => {
      connected = true;
    });
    s.on('data', (msg: SnapshotResponseMessage) => {
      connected = true;
      onResponse(s, msg);
    });
    s.on('error', (e: grpc.ServiceError) => end('error', e));
    s.on('end', () => end('end'));
    send(s, {
      node: nodeToWire({ ...opts.node, acceptsDelta: true, acceptsGzip: true }),
      versionInfo: current?.version ?? '',
      responseNonce: '',
      errorDetail: null,
    });
  };

  open();

  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: () => readyPromise,
    stats: () => ({ ...stats, connected }),
    async close() {
      closed = true;
      if (retryTimer) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      call?.cancel();
      client.close();
      rejectReady(new Error('discovery closed before the first snapshot arrived'));
    },
  };
};
