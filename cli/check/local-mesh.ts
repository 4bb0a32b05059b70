// Gathers what `weft check` evaluates in local mode: the control plane's /status and /version and
// each sidecar's /certs and /version, read from the admin ports .weft/dev/state.json lists.
import type { ControlPlaneStatus } from '../../control-plane/runtime.ts';
import type { CertReport } from '../../proxy/admin/cert-report.ts';
import { WEFT_VERSION } from '../../api/runtime/version.ts';
import { getAdminJson, sidecarAdmin } from '../mesh-view/admin-client.ts';
import { readDevState, sidecarsOf } from '../mesh-view/dev-state.ts';
import { controlPlaneChecks, sidecarChecks, type Fetched } from './local-checks.ts';
import { fail, type CheckResult } from './result.ts';

const fetched = async <T>(address: string, path: string): Promise<Fetched<T>> => {
  try {
    return { ok: true, value: await getAdminJson<T>(address, path) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
};

type Version = { version: string };

export const checkLocalMesh = async (stateFile: string): Promise<CheckResult[]> => {
  let state;
  try {
    state = await readDevState(stateFile);
  } catch (e) {
    return [
      fail(
        'local mesh',
        'local mesh is running',
        (e as Error).message,
        'start it with `weft dev`, or pass --kubeconfig',
      ),
    ];
  }
  const cp = state.controlPlane.adminAddress;
  const [status, cpVersion] = await Promise.all([
    fetched<ControlPlaneStatus>(cp, '/status'),
    fetched<Version>(cp, '/version'),
  ]);
  const results = controlPlaneChecks(cp, status, WEFT_VERSION, cpVersion);
  if (!status.ok) return results;
  const sidecars = await Promise.all(
    sidecarsOf(state).map(async (workload) => {
      const admin = sidecarAdmin(workload.adminPort);
      const [certs, version] = await Promise.all([
        fetched<CertReport>(admin, '/certs'),
        fetched<Version>(admin, '/version'),
      ]);
      const s = status.value.sidecars.find((x) => x.workload.endsWith(`/${workload.name}`));
      return sidecarChecks(
        { workload, certs, version, ...(s ? { status: s } : {}) },
        cpVersion.ok ? cpVersion.value.version : undefined,
      );
    }),
  );
  return [...results, ...sidecars.flat()];
};
