// The control plane's own metrics, declared in one place on a per-instance Registry (tests
// run several control planes in one process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface PushMetrics {
  readonly registry: Registry;
  readonly connectedSidecars: Gauge;
  readonly pushes: Counter;
  readonly pushLatency: Histogram;
  readonly nacks: Counter;
  readonly streamDrops: Counter<'reason'>;
  readonly configIssues: Gauge;
}

export const createPushMetrics = (registry = new Registry()): PushMetrics => ({
  registry,
  connectedSidecars: new Gauge({
    name: 'weft_control_plane_connected_sidecars',
    help: 'Sidecars with an open discovery stream',
    registers: [registry],
  }),
  pushes: new Counter({
    name: 'weft_control_plane_pushes_total',
    help: 'Snapshots sent to sidecars',
    registers: [registry],
  }),
  pushLatency: new Histogram({
    name: 'weft_control_plane_push_latency_seconds',
    help: 'Time from sending a snapshot to its ACK or NACK',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  nacks: new Counter({
    name: 'weft_control_plane_nacks_total',
    help: 'Snapshots sidecars rejected',
    registers: [registry],
  }),
  streamDrops: new Counter({
    name: 'weft_control_plane_stream_drops_total',
    help: 'Discovery streams the control plane closed',
    labelNames: ['reason'],
    registers: [registry],
  }),
  configIssues: new Gauge({
    name: 'weft_control_plane_config_issues',
    help: 'Current configuration issues (see /status)',
    registers: [registry],
  }),
});
