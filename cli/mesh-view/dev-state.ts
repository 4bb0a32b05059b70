// .weft/dev/state.json: what a running `weft dev` started and where (control plane, every
// workload's app and sidecar with their pids and ports). `weft dev` writes it; `weft stat`,
// `weft edges` and `weft dashboard` read it to find the sidecars to scrape.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WorkloadState {
  name: string;
  service: string | null;
  appPort: number | null;
  appPid: number | null;
  sidecarPid: number;
  inboundPort: number;
  outboundPort: number;
  adminPort: number;
  metricsPort: number;
}
export interface DevState {
  controlPlane: { address: string; pid: number; adminAddress: string };
  workloads: WorkloadState[];
  loadGenerator?: WorkloadState;
}

export const statePath = (cwd: string): string => join(cwd, '.weft/dev/state.json');

export const readDevState = async (file: string): Promise<DevState> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file} not found: start the local mesh with \`weft dev\`, or pass --prometheus URL`);
  }
  return JSON.parse(text) as DevState;
};

/** Every sidecar of the mesh, the load generator's included. */
export const sidecarsOf = (state: DevState): WorkloadState[] => [
  ...state.workloads,
  ...(state.loadGenerator ? [state.loadGenerator] : []),
];

export const metricsPorts = (state: DevState): number[] => sidecarsOf(state).map((w) => w.metricsPort);
