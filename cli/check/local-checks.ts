// Pure evaluation of the local mesh for `weft check`: the control plane's /status and each
// sidecar's /certs and /version (or why they could not be read) → check results with hints.
import type { SidecarStatus, ControlPlaneStatus } from '../../control-plane/runtime.ts';
import type { CertReport } from '../../proxy/admin/cert-report.ts';
import type { WorkloadState } from '../mesh-view/dev-state.ts';
import { fail, pass, warn, type CheckResult } from './result.ts';

/** Below this share of its lifetime left, a certificate should have been renewed (at ~70 %). */
export const RENEWAL_OVERDUE_SHARE = 0.2;

export type Fetched<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SidecarFacts {
  readonly workload: WorkloadState;
  /** `namespace/workload` as the control plane names it (undefined: not connected). */
  readonly status?: SidecarStatus;
  readonly certs: Fetched<CertReport>;
  readonly version: Fetched<{ version: string }>;
}

const CP = 'control plane';

export const controlPlaneChecks = (
  address: string,
  status: Fetched<ControlPlaneStatus>,
  cliVersion: string,
  cpVersion: Fetched<{ version: string }>,
): CheckResult[] => {
  if (!status.ok)
    return [
      fail(
        CP,
        'control plane is reachable',
        status.error,
        'is `weft dev` running? its log: .weft/dev/logs/control-plane.log',
      ),
    ];
  const issues = status.value.issues;
  return [
    pass(CP, 'control plane is reachable', address),
    issues.length === 0
      ? pass(CP, 'configuration compiles without issues')
      : warn(
          CP,
          'configuration compiles without issues',
          `${issues.length} issue(s), first: ${issues[0]?.path}: ${issues[0]?.message}`,
          'run `weft analyze -f <config dir>` for every issue with its fix',
        ),
    !cpVersion.ok || cpVersion.value.version === cliVersion
      ? pass(CP, 'control plane and CLI versions match', cpVersion.ok ? cpVersion.value.version : undefined)
      : warn(
          CP,
          'control plane and CLI versions match',
          `control plane ${cpVersion.value.version}, CLI ${cliVersion}`,
          'run the CLI of the release the mesh runs',
        ),
  ];
};

const snapshotCheck = (group: string, s: SidecarStatus): CheckResult => {
  const name = 'sidecar is on the current snapshot';
  if (s.lastNack && s.lastNack.version === s.sentVersion)
    return fail(
      group,
      name,
      `rejected ${s.lastNack.version}: ${s.lastNack.message}`,
      `the sidecar keeps running ${s.ackedVersion ?? 'nothing'}; fix the configuration it rejects (weft analyze, weft diagnose config ${s.workload.split('/')[1]})`,
    );
  if (s.held)
    return pass(group, name, `${s.ackedVersion ?? '-'} (held during the control plane's start-up grace)`);
  if (!s.ackedVersion || s.ackedVersion !== s.sentVersion)
    return fail(
      group,
      name,
      `runs ${s.ackedVersion ?? 'nothing'}, sent ${s.sentVersion ?? 'nothing'} is not acknowledged`,
      'the sidecar is stuck or overloaded: check its log (.weft/dev/logs/<workload>-sidecar.log) and restart it',
    );
  return pass(group, name, s.ackedVersion);
};

const certCheck = (group: string, certs: Fetched<CertReport>): CheckResult => {
  const name = 'certificate is valid and not near expiry';
  if (!certs.ok)
    return fail(group, name, certs.error, 'the sidecar admin port does not answer: is the process alive?');
  if (!certs.value.mtls)
    return warn(
      group,
      name,
      'no workload certificate: traffic to and from it is plaintext',
      'start the sidecar with --token-file',
    );
  const leaf = certs.value.chain[0];
  if (!leaf)
    return fail(group, name, 'no certificate in the chain', 'restart the sidecar so it asks the CA again');
  const lifetime = (Date.parse(leaf.notAfter) - Date.parse(leaf.notBefore)) / 1000;
  const left = leaf.expiresInSeconds;
  if (left <= 0)
    return fail(
      group,
      name,
      `${leaf.spiffeIds.join(' ')} expired at ${leaf.notAfter}`,
      'renewal failed: check that the CA (control plane) is reachable and the sidecar log for CSR errors',
    );
  if (left < RENEWAL_OVERDUE_SHARE * lifetime)
    return fail(
      group,
      name,
      `${leaf.spiffeIds.join(' ')} expires at ${leaf.notAfter} (${Math.round(left / 60)} min left of ${Math.round(lifetime / 60)})`,
      'renewal is overdue (due at ~70 % of the lifetime): check that the CA (control plane) is reachable and the sidecar log for CSR errors',
    );
  return pass(group, name, `${leaf.spiffeIds.join(' ')} until ${leaf.notAfter}`);
};

export const sidecarChecks = (f: SidecarFacts, cpVersion: string | undefined): CheckResult[] => {
  const group = `sidecar ${f.workload.name}`;
  const connected = f.status
    ? pass(group, 'sidecar is connected to the control plane')
    : fail(
        group,
        'sidecar is connected to the control plane',
        'the control plane has no stream from it',
        'check its log (.weft/dev/logs/<workload>-sidecar.log) for discovery errors',
      );
  const version =
    !f.version.ok || cpVersion === undefined || f.version.value.version === cpVersion
      ? []
      : [
          warn(
            group,
            'sidecar and control plane versions match',
            `sidecar ${f.version.value.version}, control plane ${cpVersion}`,
            'restart the sidecar on the control plane release',
          ),
        ];
  return [
    connected,
    ...(f.status ? [snapshotCheck(group, f.status)] : []),
    certCheck(group, f.certs),
    ...version,
  ];
};
