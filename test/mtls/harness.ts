// In-process mesh for the mTLS tests, composed exactly as the CLIs compose it: a control plane
// hosting the CA from a CA directory (startLocalControlPlane, as `weft control-plane --ca-dir`),
// sidecars started by proxy/sidecar/start-sidecar.ts (the assembly `weft proxy` runs) with a local token (as `weft proxy
// --token-file`). Everything on 127.0.0.1, ports ephemeral, logs silent.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../api/runtime/clock.ts';
import { startSidecar, type RunningSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { loopbackSidecar } from '../helpers/mesh.ts';
import type { HostedIdentity } from '../../control-plane/identity/hosted.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readTokenKey } from '../../control-plane/identity/token-key-file.ts';
import { startLocalControlPlane } from '../../control-plane/modes/local.ts';
import type { RunningControlPlane } from '../../control-plane/runtime.ts';
import type { InboundMode } from '../../proxy/transport/listener.ts';

export const silent = pino({ level: 'silent' });

export interface MeshControlPlane {
  readonly dir: string;
  readonly configDir: string;
  readonly caDir: string;
  readonly cp: RunningControlPlane;
  readonly identity: HostedIdentity;
  /** Writes a local token for ns/sa (signed with the control plane's key) and returns its path. */
  tokenFile(namespace: string, serviceAccount: string): Promise<string>;
  close(): Promise<void>;
}

export const startMeshControlPlane = async (
  config: Readonly<Record<string, string>>,
  o: { certTtlMs?: number; caPollMs?: number } = {},
): Promise<MeshControlPlane> => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-mtls-'));
  const configDir = join(dir, 'config');
  const caDir = join(dir, 'ca');
  await mkdir(configDir);
  for (const [name, text] of Object.entries(config)) await writeFile(join(configDir, name), text);
  const cp = await startLocalControlPlane({
    configDir,
    caDir,
    trustDomain: 'cluster.local',
    ...(o.certTtlMs !== undefined ? { workloadTtlMs: o.certTtlMs } : {}),
    caPollMs: o.caPollMs ?? 200,
    host: '127.0.0.1',
    grpcPort: 0,
    adminPort: 0,
    logger: silent,
    debounceMs: 20,
  });
  const key = await readTokenKey(join(caDir, 'token.key'));
  if (!key.ok) throw new Error(JSON.stringify(key.error));
  let tokens = 0;
  return {
    dir,
    configDir,
    caDir,
    cp,
    identity: cp.identity,
    tokenFile: async (namespace, serviceAccount) => {
      const token = issueLocalToken({ key: key.value, namespace, serviceAccount, clock: systemClock });
      const path = join(dir, `token-${++tokens}`);
      await writeFile(path, token);
      return path;
    },
    close: async () => {
      await cp.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

export interface SidecarSpec {
  readonly workload: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly service?: string;
  readonly appPort?: number;
  readonly inboundMode?: InboundMode;
}

/** A sidecar with a certificate from the CA at `controlPlane`, as `weft proxy --token-file` runs it. */
export const sidecarAt = (controlPlane: string, tokenFile: string, s: SidecarSpec): Promise<RunningSidecar> =>
  startSidecar(
    loopbackSidecar(s.workload, s.namespace ?? 'demo', {
      controlPlane,
      serviceAccount: s.serviceAccount ?? s.workload,
      ...(s.service ? { service: s.service } : {}),
      ...(s.appPort !== undefined ? { appPort: s.appPort } : {}),
      tokenFile,
      ...(s.inboundMode ? { inboundMode: s.inboundMode } : {}),
    }),
    silent,
  );

/** A sidecar of the in-process mesh, with a token for its namespace and service account. */
export const meshSidecar = async (mesh: MeshControlPlane, s: SidecarSpec): Promise<RunningSidecar> =>
  sidecarAt(
    mesh.cp.grpcAddress,
    await mesh.tokenFile(s.namespace ?? 'demo', s.serviceAccount ?? s.workload),
    s,
  );

/** Polls `check` every 20 ms until it holds or `ms` pass (waiting on other processes, not a timeout proof). */
export const eventually = async (
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
