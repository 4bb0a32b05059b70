// Brings up the local mesh of `weft dev`: one control plane, then for each DevWorkload its app
// and its sidecar, plus a sidecar for the load generator; writes .weft/dev/state.json. Every
// sidecar gets a token, its certificate from the control plane's CA, and speaks mTLS (STRICT).
import { SIDECAR_NODE_OPTIONS } from '../../api/runtime/node-flags.ts';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPortFile, writePortFile } from '../port-file.ts';
import { type DevState, statePath, type WorkloadState } from '../mesh-view/dev-state.ts';
import { prepareDevIdentity } from './identity.ts';
import { type Child, Supervisor } from './supervisor.ts';
import type { DevWorkloadSpec, Topology } from './topology.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliMain = join(repoRoot, 'cli/main.ts');
const demoApp = join(repoRoot, 'examples/local/apps/demo-app.ts');
const START_TIMEOUT_MS = 20_000;

export interface SidecarPorts {
  outbound: number;
  inbound: number;
  admin: number;
  metrics: number;
}
export interface RunningMesh {
  state: DevState;
  stop(): Promise<void>;
}

export const startMesh = async (
  configDir: string,
  topology: Topology,
  cwd: string,
  onCrash: (name: string, code: number | null) => void,
): Promise<RunningMesh> => {
  const runDir = join(cwd, '.weft/dev');
  await rm(runDir, { recursive: true, force: true });
  await mkdir(join(runDir, 'logs'), { recursive: true });
  await mkdir(join(runDir, 'ports'), { recursive: true });
  const supervisor = new Supervisor(join(runDir, 'logs'), (c, code) => onCrash(c.name, code));
  const portFile = (name: string): string => join(runDir, 'ports', `${name}.json`);
  const started = async <T>(child: Child): Promise<T> =>
    waitForPortFile<T>(portFile(child.name), START_TIMEOUT_MS, () => child.alive());

  try {
    const identity = await prepareDevIdentity(runDir);
    const cp = supervisor.start('control-plane', [
      cliMain,
      'control-plane',
      '--config-dir',
      resolve(configDir),
      '--grpc-port',
      '0',
      '--admin-port',
      '0',
      '--ca-dir',
      identity.caDir,
      '--token-key-file',
      identity.tokenKeyFile,
      '--port-file',
      portFile('control-plane'),
      '--exit-with-parent',
    ]);
    const cpPorts = await started<{ grpc: number; admin: number }>(cp);
    const cpAddress = `127.0.0.1:${cpPorts.grpc}`;

    const startSidecar = async (
      w: DevWorkloadSpec,
      appPort: number | null,
    ): Promise<[Child, SidecarPorts]> => {
      const args = [
        cliMain,
        'proxy',
        '--control-plane',
        cpAddress,
        '--workload',
        w.name,
        '--namespace',
        w.namespace,
        '--service-account',
        w.serviceAccount,
        '--outbound-port',
        '0',
        '--inbound-port',
        '0',
        '--admin-port',
        '0',
        '--metrics-port',
        '0',
        '--token-file',
        await identity.tokenFile(w),
        '--listen-host',
        '127.0.0.1',
        '--port-file',
        portFile(`${w.name}-sidecar`),
        '--exit-with-parent',
      ];
      if (w.service) args.push('--service', w.service);
      if (appPort !== null) args.push('--app-port', String(appPort));
      const sidecar = supervisor.start(`${w.name}-sidecar`, args, { NODE_OPTIONS: SIDECAR_NODE_OPTIONS });
      return [sidecar, await started<SidecarPorts>(sidecar)];
    };

    // Leaves first, so callers find their upstreams' endpoints registered.
    const ordered = [...topology.workloads].sort(
      (a, b) => Number(a.calls !== undefined) - Number(b.calls !== undefined),
    );
    const workloads: WorkloadState[] = [];
    for (const w of ordered) {
      const appArgs = [demoApp, '--name', w.name, '--port', '0', '--port-file', portFile(w.name)];
      // A caller reaches its upstream through its own sidecar, whose port it reads once the
      // sidecar is up (in Kubernetes, iptables capture makes this unnecessary).
      if (w.calls) appArgs.push('--call', w.calls, '--via-port-file', portFile(`${w.name}-sidecar`));
      if (w.failureRate) appArgs.push('--failure-rate', String(w.failureRate));
      if (w.latencyMs) appArgs.push('--latency-ms', String(w.latencyMs));
      const app = supervisor.start(w.name, appArgs);
      const appPorts = await started<{ port: number }>(app);
      const [sidecar, ports] = await startSidecar(w, appPorts.port);
      workloads.push(workloadState(w, appPorts.port, app, sidecar, ports));
    }
    const state: DevState = {
      controlPlane: {
        address: cpAddress,
        pid: cp.process.pid ?? 0,
        adminAddress: `127.0.0.1:${cpPorts.admin}`,
      },
      workloads,
    };
    if (topology.load) {
      const lg = topology.load;
      const [sidecar, ports] = await startSidecar(
        { name: lg.name, namespace: lg.namespace, serviceAccount: lg.name },
        null,
      );
      state.loadGenerator = workloadState({ name: lg.name }, null, undefined, sidecar, ports);
    }
    await writePortFile(statePath(cwd), state);
    return {
      state,
      stop: async () => {
        await supervisor.stopAll();
        await rm(statePath(cwd), { force: true });
      },
    };
  } catch (e) {
    await supervisor.stopAll();
    throw e;
  }
};

const workloadState = (
  w: { name: string; service?: string },
  appPort: number | null,
  app: Child | undefined,
  sidecar: Child,
  ports: SidecarPorts,
): WorkloadState => ({
  name: w.name,
  service: w.service ?? null,
  appPort,
  appPid: app?.process.pid ?? null,
  sidecarPid: sidecar.process.pid ?? 0,
  inboundPort: ports.inbound,
  outboundPort: ports.outbound,
  adminPort: ports.admin,
  metricsPort: ports.metrics,
});
