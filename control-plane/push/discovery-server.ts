// The Discovery gRPC service: one PushSession per connected sidecar. Registration, ACK/NACK
// bookkeeping and stream teardown live here; what to send comes from `snapshotFor`.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { nodeFromWire, type NodeInfo } from '../../api/convert/node.ts';
import { toWire } from '../../api/convert/snapshot-wire.ts';
import { formatIssues } from '../../api/model/result.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { ServerDiscoveryStream, SnapshotRequestMessage } from '../../api/proto/discovery.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import type { PushMetrics } from './metrics.ts';
import { PushSession } from './session.ts';

export interface ConnectedSidecar {
  readonly id: number;
  readonly node: NodeInfo;
  readonly session: PushSession;
  readonly connectedAtMs: number;
  /** Resumed during the start-up grace: keeps the snapshot it runs until released. */
  readonly held: boolean;
}

export interface DiscoveryServerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: PushMetrics;
  readonly sendTimeoutMs: number;
  readonly snapshotFor: (node: NodeInfo) => ProxySnapshot;
  /** A sidecar connected or left (its endpoints change the model). */
  readonly onSidecarsChanged: () => void;
  /**
   * True while a sidecar that reconnects with a snapshot it already runs should keep it: it is
   * registered (its endpoint counts) but not pushed until `release()` (startup-grace.ts).
   */
  readonly holdResumed?: () => boolean;
}

export interface DiscoveryServer {
  readonly implementation: grpc.UntypedServiceImplementation;
  /** Offers every connected sidecar its current snapshot (sent only if its version changed). */
  pushAll(): void;
  /** Pushes to every held sidecar and stops holding them; returns how many there were. */
  release(): number;
  sidecars(): readonly ConnectedSidecar[];
  /** Ends every stream (shutdown). */
  closeAll(): void;
}

const nodeName = (n: NodeInfo): string => `${n.namespace}/${n.workload}`;

export const createDiscoveryServer = (opts: DiscoveryServerOptions): DiscoveryServer => {
  const log = opts.logger.child({ component: 'control-plane.push' });
  const connected = new Map<number, ConnectedSidecar & { call: ServerDiscoveryStream; held: boolean }>();
  let nextId = 1;

  const unregister = (id: number): void => {
    const s = connected.get(id);
    if (!s) return;
    s.session.close();
    connected.delete(id);
    opts.metrics.connectedSidecars.set(connected.size);
    log.info({ sidecar: nodeName(s.node) }, 'sidecar disconnected');
    opts.onSidecarsChanged();
  };

  const register = (
    call: ServerDiscoveryStream,
    node: NodeInfo,
    runningVersion: string,
  ): ConnectedSidecar => {
    const id = nextId++;
    const slog = log.child({ sidecar: nodeName(node) });
    const session = new PushSession(
      {
        clock: opts.clock,
        sendTimeoutMs: opts.sendTimeoutMs,
        deltas: node.acceptsDelta === true,
        send: (snapshot, nonce, base) => {
          opts.metrics.pushes.inc();
          call.write({ ...toWire(snapshot, base, { gzip: node.acceptsGzip === true }), nonce });
          slog.debug({ version: snapshot.version, base: base?.version, nonce }, 'snapshot sent');
        },
        drop: (reason) => {
          opts.metrics.streamDrops.inc({ reason: 'send-timeout' });
          slog.warn({ reason }, 'dropping a stuck discovery stream; the sidecar will reconnect');
          call.emit('error', { code: grpc.status.UNAVAILABLE, details: reason });
          unregister(id);
        },
        onAnswer: ({ nacked, latencyMs }) => {
          opts.metrics.pushLatency.observe(latencyMs / 1000);
          if (nacked) opts.metrics.nacks.inc();
        },
      },
      runningVersion || undefined,
    );
    const held = runningVersion !== '' && opts.holdResumed?.() === true;
    const sidecar = { id, node, session, connectedAtMs: opts.clock.wallNow(), call, held };
    connected.set(id, sidecar);
    opts.metrics.connectedSidecars.set(connected.size);
    slog.info({ service: node.service, inbound: node.inbound, runningVersion, held }, 'sidecar connected');
    if (!held) session.offer(opts.snapshotFor(node));
    opts.onSidecarsChanged();
    return sidecar;
  };

  const onAnswer = (s: ConnectedSidecar, req: SnapshotRequestMessage): void => {
    const detail = req.errorDetail;
    if (detail) {
      const issues = detail.issues.map((i) => ({ path: i.path, message: i.message }));
      log.warn(
        { sidecar: nodeName(s.node), version: s.session.sentVersion, message: detail.message, issues },
        'sidecar rejected a snapshot (NACK)',
      );
    }
    s.session.answer({
      versionInfo: req.versionInfo,
      responseNonce: req.responseNonce,
      ...(detail ? { error: { message: detail.message, issues: detail.issues } } : {}),
    });
  };

  const streamSnapshots = (call: ServerDiscoveryStream): void => {
    let sidecar: ConnectedSidecar | undefined;
    call.on('data', (req: SnapshotRequestMessage) => {
      if (sidecar) return onAnswer(sidecar, req);
      const node = nodeFromWire(req.node);
      if (!node.ok) {
        log.warn({ issues: node.error }, 'refusing a discovery stream with an invalid node');
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: formatIssues(node.error) });
        return;
      }
      sidecar = register(call, node.value, req.versionInfo);
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined); // the status is already on its way; 'close' cleans up
    call.on('close', () => sidecar && unregister(sidecar.id));
    call.on('cancelled', () => sidecar && unregister(sidecar.id));
  };

  return {
    implementation: {
      StreamSnapshots: streamSnapshots as grpc.handleBidiStreamingCall<SnapshotRequestMessage, unknown>,
    },
    pushAll() {
      for (const s of connected.values()) if (!s.held) s.session.offer(opts.snapshotFor(s.node));
    },
    release() {
      const held = [...connected.values()].filter((s) => s.held);
      for (const s of held) {
        s.held = false;
        s.session.offer(opts.snapshotFor(s.node));
      }
      return held.length;
    },
    sidecars: () => [...connected.values()],
    closeAll() {
      for (const s of [...connected.values()]) {
        s.call.end();
        unregister(s.id);
      }
    },
  };
};
