// CA root expiry for the control plane's /metrics, declared here and read at scrape time from
// the trust bundle the snapshots carry (active root first, then roots still trusted during a
// rotation). A root that expires takes every workload certificate with it: alert well before.
import { X509Certificate } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';

const notAfterSeconds = (pem: string): number | undefined => {
  try {
    return Math.floor(new X509Certificate(pem).validToDate.getTime() / 1000);
  } catch {
    return undefined;
  }
};

/** role=active: the signing root; role=trusted: the earliest other root still in the bundle. */
export const caRootExpiryGauge = (registry: Registry, bundle: () => readonly string[] | undefined): void => {
  new Gauge({
    name: 'weft_control_plane_ca_root_expiry_timestamp_seconds',
    help: 'notAfter of the CA roots in the trust bundle (seconds since the epoch), by role (active, trusted).',
    labelNames: ['role'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const [active, ...others] = (bundle() ?? []).map(notAfterSeconds);
      if (active !== undefined) this.set({ role: 'active' }, active);
      const trusted = others.filter((s): s is number => s !== undefined);
      if (trusted.length > 0) this.set({ role: 'trusted' }, Math.min(...trusted));
    },
  });
};
