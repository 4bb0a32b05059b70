// The CA as the control plane hosts it (`weft control-plane --ca-dir`): authorities loaded from
// the CA directory and followed there (root rotation), the Certificates service on the discovery
// gRPC server, and the trust bundle for every snapshot. The token validator is pluggable: local
// tokens here, the Kubernetes TokenReview validator in cluster mode.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { formatIssues } from '../../api/model/result.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import { createCa, type CertificateAuthority } from './ca.ts';
import { loadCaDir } from './ca-dir.ts';
import { watchCaDir, type CaDirWatch } from './ca-dir-watch.ts';
import { registerIdentityService } from './service.ts';
import type { TokenValidator } from './token-validator.ts';

export interface HostedIdentityOptions {
  /** Existing CA directory (`weft ca init`); absent = an in-memory root, lost on restart. */
  readonly caDir?: string;
  readonly trustDomain: string;
  /** Workload certificate lifetime (default 24 h). */
  readonly workloadTtlMs?: number;
  readonly validator: TokenValidator;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often the CA directory's state.json is checked (default 10 s). */
  readonly caDirPollMs?: number;
}

export interface HostedIdentity {
  readonly ca: CertificateAuthority;
  /** For startControlPlane's `extraServices`. */
  register(server: grpc.Server, registry?: Registry): void;
  /** For startControlPlane's `trustBundle`. */
  trustBundle(): readonly string[];
  /** Follows the CA directory; `onChange` runs after each reload (call the control plane's refresh). */
  follow(onChange: () => void): void;
  close(): void;
}

export const hostIdentity = async (o: HostedIdentityOptions): Promise<HostedIdentity> => {
  const log = o.logger.child({ component: 'control-plane.identity' });
  let authorities;
  if (o.caDir !== undefined) {
    const loaded = await loadCaDir(o.caDir);
    if (!loaded.ok) throw new Error(`CA directory ${o.caDir} is not usable:\n${formatIssues(loaded.error)}`);
    authorities = loaded.value;
  }
  const ca = await createCa({
    trustDomain: o.trustDomain,
    ...(o.workloadTtlMs !== undefined ? { workloadTtlMs: o.workloadTtlMs } : {}),
    ...(authorities ? { authorities } : {}),
    clock: o.clock,
    logger: o.logger,
  });
  log.info(
    { caDir: o.caDir ?? '(in memory)', roots: ca.trustBundle().length, workloadTtlMs: o.workloadTtlMs },
    'CA ready',
  );
  let watch: CaDirWatch | undefined;
  return {
    ca,
    register: (server, registry) =>
      registerIdentityService(server, ca, o.validator, {
        logger: o.logger,
        ...(registry ? { registry } : {}),
      }),
    trustBundle: () => ca.trustBundle(),
    follow: (onChange) => {
      if (o.caDir === undefined || watch) return;
      watch = watchCaDir(o.caDir, ca, {
        clock: o.clock,
        logger: o.logger,
        ...(o.caDirPollMs !== undefined ? { intervalMs: o.caDirPollMs } : {}),
        onUpdate: onChange,
      });
    },
    close: () => watch?.close(),
  };
};
