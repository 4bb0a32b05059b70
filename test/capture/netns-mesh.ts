// A two-pod mesh in network namespaces for the capture end-to-end tests: the topology (netns.ts),
// `weft init`'s rules in both pods, an HTTP app and a TCP echo in pod B, a TCP echo in the node
// namespace ("outside the mesh"), a local-mode control plane (its CA issues the certificates) and
// both sidecars running as UID 1337. Each test file says what Service b looks like and which of
// B's addresses it registers as the endpoint.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../api/runtime/clock.ts';
import { waitForPortFile } from '../../cli/port-file.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readOrCreateTokenKey } from '../../control-plane/identity/token-key-file.ts';
import { metricValue } from '../helpers/metrics.ts';
import { inNs, killAll, makeTopology, sh, spawnLine, spawnLogged, type Topology } from './netns.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
export const cli = path.join(repoRoot, 'cli/main.ts');
export const agent = path.join(import.meta.dirname, 'netns-agent.ts');
export const node = process.execPath;
const SIDECAR_UID = '1337';

const hasCurl = ((): boolean => {
  try {
    sh(['curl', '--version']);
    return true;
  } catch {
    return false;
  }
})();

/** GET from inside a namespace: curl when installed, else the agent's plain node client. "<status> <body>". */
export const httpIn = (ns: string, url: string): string => {
  if (!hasCurl) return sh(inNs(ns, [node, agent, 'get', url]));
  try {
    // -g: an IPv6 literal in brackets is an address, not a glob.
    const out = sh(inNs(ns, ['curl', '-gsS', '-m', '5', '-o', '-', '-w', '\n%{http_code}', url]));
    const nl = out.lastIndexOf('\n');
    return `${out.slice(nl + 1)} ${out.slice(0, nl)}`;
  } catch (e) {
    return `error ${(e as Error).message.split('\n')[0]}`;
  }
};

export const tcpIn = (ns: string, host: string, port: number, text: string): string =>
  sh(inNs(ns, [node, agent, 'tcp', host, String(port), text]));

/** Retries `fn` until `ok` (bounded: the mesh converges within a few seconds or the test fails). */
export const eventually = async <T>(fn: () => T, ok: (v: T) => boolean, tries = 60): Promise<T> => {
  let v = fn();
  for (let i = 1; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 200));
    v = fn();
  }
  return v;
};

export const tail = (log: readonly string[]): string => log.slice(-30).join('\n');

/** What the sidecars counted of A's calls to Service b: the evidence that they crossed the mesh. */
export interface MeshHop {
  /** B: inbound requests answered 200. */
  readonly inboundOk: number;
  /** B: connections accepted over mTLS, and in plaintext. */
  readonly tlsAccepted: number;
  readonly plainAccepted: number;
  /** A: outbound requests to demo/b answered 200. */
  readonly outboundOk: number;
}

export const meshHop = (mesh: Pick<NetnsMesh, 'metricsOf'>): MeshHop => {
  const [a, b] = [mesh.metricsOf('a'), mesh.metricsOf('b')];
  const accepted = (tls: string): number =>
    metricValue(b, 'weft_inbound_connections_total', { tls, result: 'accepted' });
  return {
    inboundOk: metricValue(b, 'weft_requests_total', { direction: 'inbound', code: '200' }),
    tlsAccepted: accepted('true'),
    plainAccepted: accepted('false'),
    outboundOk: metricValue(a, 'weft_requests_total', {
      direction: 'outbound',
      destination_service: 'demo/b',
      code: '200',
    }),
  };
};

export interface NetnsMeshOptions {
  readonly tag: string;
  /** IPv4 prefix of the pod network, e.g. "10.214.0". */
  readonly prefix: string;
  /** IPv6 prefix (dual-stack pods), e.g. "fd00:214::". */
  readonly prefix6?: string;
  /** Service b's YAML, given the ports B's apps listen on. */
  readonly services: (ports: { web: number; echo: number }) => string;
  /** B's endpoint address (what its sidecar registers as --pod-ip): "ipv4" (default) or "ipv6". */
  readonly endpointFamily?: 'ipv4' | 'ipv6';
  /** Extra `weft proxy` flags for B. */
  readonly bFlags?: (ports: { web: number; echo: number }) => readonly string[];
}

export interface NetnsMesh {
  readonly topo: Topology;
  readonly logs: Record<'cp' | 'a' | 'b', string[]>;
  readonly ports: { readonly web: number; readonly echo: number; readonly outside: number };
  /** The sidecar's metrics, scraped from inside its pod. */
  metricsOf(pod: 'a' | 'b'): string;
  close(): void;
}

/** Starts everything; on failure cleans up what it made and rethrows. */
export const startNetnsMesh = async (o: NetnsMeshOptions): Promise<NetnsMesh> => {
  const topo = makeTopology(o.tag, o.prefix, ['a', 'b'], o.prefix6);
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-capture-'));
  const logs: NetnsMesh['logs'] = { cp: [], a: [], b: [] };
  const close = (): void => {
    killAll();
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [a, b] = [topo.pods.a, topo.pods.b] as [Topology['pods'][string], Topology['pods'][string]];
    // The rules the injected init container writes (probe and metrics ports reach the sidecar directly).
    for (const pod of [a, b]) sh(inNs(pod.ns, [node, cli, 'init', '--exclude-inbound-ports', '15090,15021']));
    const web = Number(await spawnLine(inNs(b.ns, [node, agent, 'http', 'b'])));
    const echo = Number(await spawnLine(inNs(b.ns, [node, agent, 'echo'])));
    const outside = Number(await spawnLine(inNs(topo.node, [node, agent, 'echo', topo.gateway])));

    chmodSync(dir, 0o755);
    const [mesh, run] = [path.join(dir, 'mesh'), path.join(dir, 'run')];
    mkdirSync(mesh);
    mkdirSync(run, { mode: 0o777 });
    chmodSync(run, 0o777); // the sidecars (UID 1337) write their port files here
    writeFileSync(path.join(mesh, 'services.yaml'), o.services({ web, echo }));
    const key = await readOrCreateTokenKey(path.join(dir, 'token.key'));
    if (!key.ok) throw new Error('token key');
    const tokenFile = (sa: string): string => {
      const file = path.join(dir, `${sa}.token`);
      const token = issueLocalToken({
        key: key.value,
        namespace: 'demo',
        serviceAccount: sa,
        clock: systemClock,
      });
      writeFileSync(file, `${token}\n`, { mode: 0o644 });
      return file;
    };

    const cpPorts = path.join(run, 'cp.json');
    const cp = spawnLogged(
      inNs(topo.node, [
        ...[node, cli, 'control-plane', '--config-dir', mesh, '--host', topo.gateway],
        ...['--grpc-port', '0', '--admin-port', '0', '--ca-dir', path.join(dir, 'ca')],
        ...['--token-key-file', path.join(dir, 'token.key'), '--port-file', cpPorts],
      ]),
      logs.cp,
    );
    const { grpc } = await waitForPortFile<{ grpc: number }>(cpPorts, 20_000, () => cp.exitCode === null);

    const sidecar = (pod: 'a' | 'b', extra: readonly string[]) => {
      const { ns, ip, ip6 } = topo.pods[pod] as Topology['pods'][string];
      const podIp = o.endpointFamily === 'ipv6' && ip6 ? ip6 : ip;
      const child = spawnLogged(
        inNs(ns, [
          ...['setpriv', `--reuid=${SIDECAR_UID}`, `--regid=${SIDECAR_UID}`, '--clear-groups'],
          ...[node, cli, 'proxy', '--control-plane', `${topo.gateway}:${grpc}`, '--namespace', 'demo'],
          ...['--workload', `${pod}-1`, '--service-account', pod, '--token-file', tokenFile(pod)],
          ...['--pod-ip', podIp, '--port-file', path.join(run, `${pod}.json`), ...extra],
        ]),
        logs[pod],
      );
      return waitForPortFile(path.join(run, `${pod}.json`), 20_000, () => child.exitCode === null);
    };
    await Promise.all([
      sidecar('a', []),
      sidecar('b', ['--service', 'b', '--app-port', String(web), ...(o.bFlags?.({ web, echo }) ?? [])]),
    ]);
    const metricsOf = (pod: 'a' | 'b'): string => {
      const out = httpIn(topo.pods[pod]?.ns as string, 'http://127.0.0.1:15090/metrics');
      return out.slice(out.indexOf(' ') + 1);
    };
    return { topo, logs, ports: { web, echo, outside }, metricsOf, close };
  } catch (e) {
    close();
    throw new Error(
      `${(e as Error).message}\ncontrol plane:\n${tail(logs.cp)}\nA:\n${tail(logs.a)}\nB:\n${tail(logs.b)}`,
      { cause: e },
    );
  }
};
