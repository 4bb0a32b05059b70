// What `weft diagnose` reads for one workload of the local mesh: its sidecar's admin pages and
// the control plane's view of it (ACK state), found through .weft/dev/state.json.
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { ControlPlaneStatus, SidecarStatus } from '../../control-plane/runtime.ts';
import type { endpointsReport, policiesReport } from '../../proxy/admin/state-report.ts';
import { getAdminJson, sidecarAdmin } from '../mesh-view/admin-client.ts';
import { readDevState, sidecarsOf } from '../mesh-view/dev-state.ts';

export type EndpointsPage = ReturnType<typeof endpointsReport>;
export type PoliciesPage = ReturnType<typeof policiesReport>;

export interface ConfigView {
  readonly version: string | null;
  readonly snapshot: ProxySnapshot | null;
  /** The control plane's record of this sidecar; null when it has no stream from it. */
  readonly controlPlane: SidecarStatus | null;
}

export const PAGES = {
  config: '/config',
  endpoints: '/endpoints',
  certs: '/certs',
  policy: '/policies',
} as const;
export type Aspect = keyof typeof PAGES;

export interface Target {
  readonly workload: string;
  readonly admin: string;
  readonly controlPlaneAdmin: string;
}

export const findWorkload = async (stateFile: string, workload: string): Promise<Target> => {
  const state = await readDevState(stateFile);
  const all = sidecarsOf(state);
  const w = all.find((x) => x.name === workload);
  if (!w)
    throw new Error(
      `no workload ${workload} in the local mesh: try one of ${all.map((x) => x.name).join(', ')}`,
    );
  return { workload, admin: sidecarAdmin(w.adminPort), controlPlaneAdmin: state.controlPlane.adminAddress };
};

export const fetchConfig = async (t: Target): Promise<ConfigView> => {
  const [config, status] = await Promise.all([
    getAdminJson<{ version: string | null; snapshot: ProxySnapshot | null }>(t.admin, '/config'),
    getAdminJson<ControlPlaneStatus>(t.controlPlaneAdmin, '/status'),
  ]);
  const controlPlane = status.sidecars.find((s) => s.workload.endsWith(`/${t.workload}`)) ?? null;
  return { ...config, controlPlane };
};
