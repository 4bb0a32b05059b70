// Sidecar state gauges, declared here: when the active snapshot last changed and when the
// workload certificate expires. Read at scrape time (collect) or set once per snapshot, never
// on the request path. Alert on them: a stale config or a certificate near expiry.
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../api/runtime/clock.ts';
import type { TlsMaterial } from '../transport/tls-material.ts';

export interface StateGauges {
  /** After a snapshot became active. */
  configApplied(): void;
}

/** Identity that knows its certificate's notAfter (proxy/identity's SidecarIdentity does). */
type Expiring = TlsMaterial & { expiresAt(): number | undefined };
const expiring = (tls: TlsMaterial | undefined): Expiring | undefined =>
  tls && typeof (tls as Partial<Expiring>).expiresAt === 'function' ? (tls as Expiring) : undefined;

export const stateGauges = (
  registry: Registry,
  clock: Pick<Clock, 'wallNow'>,
  tls?: TlsMaterial,
): StateGauges => {
  const lastUpdate = new Gauge({
    name: 'weft_config_last_update_timestamp_seconds',
    help: 'When the active snapshot was applied (seconds since the epoch); 0 before the first one.',
    registers: [registry],
  });
  const identity = expiring(tls);
  if (identity)
    new Gauge({
      name: 'weft_identity_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the current workload certificate (seconds since the epoch); 0 before the first one.',
      registers: [registry],
      collect() {
        this.set((identity.expiresAt() ?? 0) / 1000);
      },
    });
  return { configApplied: () => lastUpdate.set(clock.wallNow() / 1000) };
};
