// Real processes for the reliability suite: `weft control-plane` on a YAML folder with a CA
// directory (local mode) and `weft proxy` sidecars with tokens and state directories, all on
// 127.0.0.1 with ephemeral ports read from port files. Faults are real: SIGKILL, SIGTERM, restart.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { systemClock } from '../../api/runtime/clock.ts';
import type { ControlPlaneStatus } from '../../control-plane/runtime.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readTokenKey } from '../../control-plane/identity/token-key-file.ts';
import { eventually } from '../control-plane/helpers.ts';
import { weftServing, type CliProcess } from '../mtls/processes.ts';

export interface SidecarPorts {
  readonly outbound: number;
  readonly inbound: number;
  readonly admin: number;
  readonly metrics: number;
  readonly pid: number;
}

export interface SidecarProc {
  readonly name: string;
  readonly proc: CliProcess;
  readonly ports: SidecarPorts;
}

export interface SidecarSpec {
  /** Service this sidecar serves (it registers as an endpoint); absent = a client only. */
  readonly service?: string;
  readonly appPort?: number;
  /** Keep snapshot and certificate here (--state-dir); default <dir>/state/<name>. */
  readonly stateDir?: string | false;
  readonly extra?: readonly string[];
  /** Where it reaches the control plane (default the control plane itself; a relay.ts in between). */
  readonly controlPlane?: string;
}

export const serviceYaml = (name: string, port = 80, targetPort = 8080): string => `
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: demo }
spec: { ports: [{ name: http, port: ${port}, targetPort: ${targetPort}, appProtocol: http }] }
---
`;

/** A TrafficPolicy for `service`; `rules` are spec lines (YAML, two-space indented after the first). */
export const trafficPolicyYaml = (service: string, rules: string): string => `
apiVersion: policy.weft.io/v1alpha1
kind: TrafficPolicy
metadata: { name: ${service}, namespace: demo }
spec:
  targetRef: { kind: Service, name: ${service} }
  ${rules}
`;

/** Closes a test app and every connection it holds. */
export const closeServer = (s: Server | undefined): void => {
  s?.closeAllConnections();
  s?.close();
};

let started = 0;

export class ProcessMesh {
  readonly dir: string;
  readonly configDir: string;
  readonly caDir: string;
  cp: CliProcess | undefined;
  grpcPort = 0;
  /** Admin port (/status) of the running control plane. */
  adminPort = 0;
  private key: Uint8Array | undefined;

  /** The CLI entry every process runs: the sources by default, or e.g. the bundle's cli/main.js. */
  readonly cli: string | undefined;

  private constructor(dir: string, cli: string | undefined) {
    this.dir = dir;
    this.cli = cli;
    this.configDir = join(dir, 'config');
    this.caDir = join(dir, 'ca');
  }

  static async create(config: Readonly<Record<string, string>>, cli?: string): Promise<ProcessMesh> {
    const mesh = new ProcessMesh(await mkdtemp(join(tmpdir(), 'weft-rel-')), cli);
    await mkdir(mesh.configDir);
    for (const [name, text] of Object.entries(config)) await mesh.writeConfig(name, text);
    return mesh;
  }

  writeConfig(name: string, text: string): Promise<void> {
    return writeFile(join(this.configDir, name), text);
  }

  get cpAddress(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  /** Starts the control plane; after the first start, on the same gRPC port (sidecars reconnect there). */
  async startControlPlane(extra: readonly string[] = []): Promise<void> {
    const [proc, ports] = await weftServing<{ grpc: number; admin: number }>(
      [
        ...['control-plane', '--config-dir', this.configDir, '--ca-dir', this.caDir],
        ...['--grpc-port', String(this.grpcPort), '--admin-port', '0', '--log-level', 'warn'],
        ...extra,
      ],
      join(this.dir, `cp-${++started}.ports`),
      this.cli,
    );
    this.cp = proc;
    this.grpcPort = ports.grpc;
    this.adminPort = ports.admin;
    const k = await readTokenKey(join(this.caDir, 'token.key'));
    if (!k.ok) throw new Error(JSON.stringify(k.error));
    this.key = k.value;
  }

  async killControlPlane(): Promise<void> {
    const cp = this.cp;
    if (!cp) return;
    cp.proc.kill('SIGKILL');
    await cp.exited;
    this.cp = undefined;
  }

  async sidecar(name: string, spec: SidecarSpec = {}): Promise<SidecarProc> {
    if (!this.key) throw new Error('start the control plane first');
    const tokenFile = join(this.dir, `${name}.token`);
    const token = issueLocalToken({
      key: this.key,
      namespace: 'demo',
      serviceAccount: name,
      clock: systemClock,
    });
    await writeFile(tokenFile, token);
    const state =
      spec.stateDir === false ? [] : ['--state-dir', spec.stateDir ?? join(this.dir, 'state', name)];
    const [proc, ports] = await weftServing<SidecarPorts>(
      [
        ...[
          'proxy',
          '--control-plane',
          spec.controlPlane ?? this.cpAddress,
          '--workload',
          name,
          '--namespace',
          'demo',
        ],
        ...['--token-file', tokenFile, '--listen-host', '127.0.0.1', '--log-level', 'warn'],
        ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--metrics-port', '0'],
        ...(spec.service ? ['--service', spec.service] : []),
        ...['--app-port', String(spec.appPort ?? 1)],
        ...state,
        ...(spec.extra ?? []),
      ],
      join(this.dir, `${name}-${++started}.ports`),
      this.cli,
    );
    return { name, proc, ports };
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The running control plane's /status. */
export const cpStatus = async (mesh: ProcessMesh): Promise<ControlPlaneStatus> =>
  (await (await fetch(`http://127.0.0.1:${mesh.adminPort}/status`)).json()) as ControlPlaneStatus;

export const snapshotOf = async (s: SidecarProc): Promise<ProxySnapshot | undefined> =>
  ((await (await fetch(`http://127.0.0.1:${s.ports.admin}/config`)).json()) as { snapshot?: ProxySnapshot })
    .snapshot;

/** Waits until `s` runs a snapshot in which `service` has `n` endpoints. */
export const endpointsAre = (s: SidecarProc, service: string, n: number, ms = 15_000): Promise<true> =>
  eventually(
    async () =>
      (await snapshotOf(s))?.services[`demo/${service}`]?.endpoints.length === n ? true : undefined,
    ms,
    `${s.name} to see ${n} endpoint(s) of ${service}`,
  );

export const rssKiB = async (pid: number): Promise<number> => {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
};

/** A `weft proxy --config` sidecar (no control plane, plaintext): for black-box listener tests. */
export const staticSidecar = async (
  dir: string,
  name: string,
  o: { appPort?: number; services?: Record<string, { port: number }>; cli?: string },
): Promise<SidecarProc> => {
  const services = Object.fromEntries(
    Object.entries(o.services ?? {}).map(([svc, ep]) => [
      `demo/${svc}`,
      {
        name: svc,
        namespace: 'demo',
        hosts: [svc, `${svc}.demo`, `${svc}.demo.svc.cluster.local`],
        ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
        endpoints: [{ address: '127.0.0.1', port: ep.port }],
      },
    ]),
  );
  const snapshot = {
    version: `static-${name}`,
    workload: {
      name,
      namespace: 'demo',
      serviceAccount: name,
      identity: `spiffe://cluster.local/ns/demo/sa/${name}`,
    },
    services,
  };
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(snapshot));
  const [proc, ports] = await weftServing<SidecarPorts>(
    [
      ...['proxy', '--config', file, '--workload', name, '--namespace', 'demo', '--log-level', 'warn'],
      ...['--listen-host', '127.0.0.1', '--app-port', String(o.appPort ?? 1)],
      ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--metrics-port', '0'],
    ],
    join(dir, `${name}-${++started}.ports`),
    o.cli,
  );
  return { name, proc, ports };
};
