// Transparent capture end to end, in real network namespaces: a "node" namespace with a bridge and
// two "pods" A and B, each with `weft init`'s iptables rules, a control plane (local mode, its CA
// issuing the sidecars' certificates) and two sidecars running as UID 1337. An unmodified client
// in A (curl, or a plain node client) dials Service b's clusterIP — an address that exists only
// in the snapshot — and reaches the app in B through both sidecars over mTLS. Also: opaque TCP
// through a tunnel, passthrough to an address outside the mesh, the probe port, STRICT refusing
// plaintext. Addresses are private and live only inside these namespaces. Needs root, `ip` and
// `iptables-restore`; skipped with the reason otherwise.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../api/runtime/clock.ts';
import { waitForPortFile } from '../../api/runtime/port-file.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readOrCreateTokenKey } from '../../control-plane/identity/token-key-file.ts';
import { originalDstReader } from '../../proxy/transport/original-dst/original-dst.ts';
import { metricValue } from '../helpers/metrics.ts';
import {
  inNs,
  killAll,
  makeTopology,
  netnsSkipReason,
  sh,
  spawnLine,
  spawnLogged,
  type Topology,
} from './netns.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repoRoot, 'cli/main.ts');
const agent = path.join(import.meta.dirname, 'netns-agent.ts');
const node = process.execPath;
const tag = `${process.pid % 100_000}`;
const PREFIX = '10.214.0';
/** Service b's virtual IP: no interface has it; only A's sidecar knows what it means. */
const SERVICE_IP = '10.215.0.10';
const SIDECAR_UID = '1337';

const skipReason = netnsSkipReason(`weft-probe-${tag}`);
const hasCurl = ((): boolean => {
  try {
    sh(['curl', '--version']);
    return true;
  } catch {
    return false;
  }
})();

/** GET from inside a namespace: curl when installed, else the agent's plain node client. "<status> <body>". */
const httpIn = (ns: string, url: string): string => {
  if (!hasCurl) return sh(inNs(ns, [node, agent, 'get', url]));
  try {
    const out = sh(inNs(ns, ['curl', '-sS', '-m', '5', '-o', '-', '-w', '\n%{http_code}', url]));
    const nl = out.lastIndexOf('\n');
    return `${out.slice(nl + 1)} ${out.slice(0, nl)}`;
  } catch (e) {
    return `error ${(e as Error).message.split('\n')[0]}`;
  }
};
const tcpIn = (ns: string, host: string, port: number, text: string): string =>
  sh(inNs(ns, [node, agent, 'tcp', host, String(port), text]));

/** Retries `fn` until `ok` (bounded: the mesh converges within a few seconds or the test fails). */
const eventually = async <T>(fn: () => T, ok: (v: T) => boolean, tries = 60): Promise<T> => {
  let v = fn();
  for (let i = 1; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 200));
    v = fn();
  }
  return v;
};

const tail = (log: readonly string[]): string => log.slice(-30).join('\n');

describe.skipIf(skipReason !== '')(
  `transparent capture between two pods${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`,
  () => {
    let topo: Topology;
    let dir: string;
    const logs: Record<'cp' | 'a' | 'b', string[]> = { cp: [], a: [], b: [] };
    let echoPort = 0;
    let outsidePort = 0;
    const metricsOf = (pod: 'a' | 'b'): string => {
      const out = httpIn(topo.pods[pod]?.ns as string, 'http://127.0.0.1:15090/metrics');
      return out.slice(out.indexOf(' ') + 1);
    };

    beforeAll(async () => {
      expect(
        originalDstReader().reason,
        'the SO_ORIGINAL_DST addon must be built (npm install)',
      ).toBeUndefined();
      topo = makeTopology(tag, PREFIX, ['a', 'b']);
      const [a, b] = [topo.pods.a, topo.pods.b] as [{ ns: string; ip: string }, { ns: string; ip: string }];
      // The rules the injected init container writes (probe and metrics ports reach the sidecar directly).
      for (const pod of [a, b])
        sh(inNs(pod.ns, [node, cli, 'init', '--exclude-inbound-ports', '15090,15021']));

      const webPort = Number(await spawnLine(inNs(b.ns, [node, agent, 'http', 'b'])));
      echoPort = Number(await spawnLine(inNs(b.ns, [node, agent, 'echo'])));
      outsidePort = Number(await spawnLine(inNs(topo.node, [node, agent, 'echo', topo.gateway])));

      dir = mkdtempSync(path.join(tmpdir(), 'weft-capture-'));
      chmodSync(dir, 0o755);
      const [mesh, run] = [path.join(dir, 'mesh'), path.join(dir, 'run')];
      mkdirSync(mesh);
      mkdirSync(run, { mode: 0o777 });
      chmodSync(run, 0o777); // the sidecars (UID 1337) write their port files here
      writeFileSync(
        path.join(mesh, 'services.yaml'),
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata: { name: b, namespace: demo }',
          'spec:',
          `  clusterIP: ${SERVICE_IP}`,
          '  ports:',
          `    - { name: http, port: 80, targetPort: ${webPort}, appProtocol: http }`,
          `    - { name: echo, port: 7000, targetPort: ${echoPort}, appProtocol: tcp }`,
          '',
        ].join('\n'),
      );
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

      const sidecar = (pod: 'a' | 'b', extra: string[]) => {
        const { ns, ip } = topo.pods[pod] as { ns: string; ip: string };
        const child = spawnLogged(
          inNs(ns, [
            ...['setpriv', `--reuid=${SIDECAR_UID}`, `--regid=${SIDECAR_UID}`, '--clear-groups'],
            ...[node, cli, 'proxy', '--control-plane', `${topo.gateway}:${grpc}`, '--namespace', 'demo'],
            ...['--workload', `${pod}-1`, '--service-account', pod, '--token-file', tokenFile(pod)],
            ...['--pod-ip', ip, '--port-file', path.join(run, `${pod}.json`), ...extra],
          ]),
          logs[pod],
        );
        return waitForPortFile(path.join(run, `${pod}.json`), 20_000, () => child.exitCode === null);
      };
      const probes = {
        '/app-health/web/readyz': {
          kind: 'httpGet',
          action: { path: '/', port: webPort },
          timeoutSeconds: 2,
        },
      };
      await Promise.all([
        sidecar('a', []),
        sidecar('b', [
          ...['--service', 'b', '--app-port', String(webPort)],
          ...['--probe-port', '15021', '--app-probes', JSON.stringify(probes)],
        ]),
      ]);
    }, 60_000);

    afterAll(() => {
      killAll();
      topo?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('installed the capture rules in both pods', () => {
      for (const pod of ['a', 'b'] as const)
        expect(sh(inNs(topo.pods[pod]?.ns as string, ['iptables', '-t', 'nat', '-S']))).toContain(
          '-N WEFT_OUTPUT',
        );
    });

    it("an unmodified client's HTTP call to the clusterIP reaches the app in B through both sidecars over mTLS", async () => {
      const a = topo.pods.a?.ns as string;
      const reply = await eventually(
        () => httpIn(a, `http://${SERVICE_IP}/`),
        (r) => r.startsWith('200 '),
      );
      expect(reply, `sidecar A:\n${tail(logs.a)}\nsidecar B:\n${tail(logs.b)}`).toBe(
        `200 hello from b (host ${SERVICE_IP})`,
      );
      const b = metricsOf('b');
      expect(metricValue(b, 'weft_requests_total', { direction: 'inbound', code: '200' })).toBeGreaterThan(0);
      // The hop into B was mesh mTLS: TLS connections accepted, no plaintext ones.
      expect(
        metricValue(b, 'weft_inbound_connections_total', { tls: 'true', result: 'accepted' }),
      ).toBeGreaterThan(0);
      expect(metricValue(b, 'weft_inbound_connections_total', { tls: 'false', result: 'accepted' })).toBe(0);
      const out = metricsOf('a');
      expect(
        metricValue(out, 'weft_requests_total', {
          direction: 'outbound',
          destination_service: 'demo/b',
          code: '200',
        }),
      ).toBeGreaterThan(0);
    });

    it('carries opaque TCP to a tcp Service port through an mTLS tunnel', async () => {
      const a = topo.pods.a?.ns as string;
      expect(tcpIn(a, SERVICE_IP, 7000, 'opaque bytes, both ways'), tail(logs.a)).toBe(
        'opaque bytes, both ways',
      );
      const b = await eventually(
        () => metricsOf('b'),
        (m) =>
          metricValue(m, 'weft_tcp_connections_total', {
            direction: 'inbound',
            route: 'mesh',
            result: 'ok',
          }) > 0,
      );
      expect(
        metricValue(b, 'weft_tcp_connections_total', { direction: 'inbound', route: 'mesh', result: 'ok' }),
      ).toBe(1);
    });

    it('passes traffic to an address outside the mesh straight through', async () => {
      const a = topo.pods.a?.ns as string;
      expect(tcpIn(a, topo.gateway, outsidePort, 'to the node')).toBe('to the node');
      const out = await eventually(
        () => metricsOf('a'),
        (m) => metricValue(m, 'weft_tcp_connections_total', { route: 'passthrough', result: 'ok' }) > 0,
      );
      expect(metricValue(out, 'weft_tcp_connections_total', { route: 'passthrough', result: 'ok' })).toBe(1);
    });

    it("answers kubelet's rewritten probes on the probe port, from the node", () => {
      const b = topo.pods.b?.ip as string;
      expect(httpIn(topo.node, `http://${b}:15021/ready`)).toBe('200 ready\n');
      expect(httpIn(topo.node, `http://${b}:15021/app-health/web/readyz`)).toBe('200 HTTP 200\n');
    });

    it('refuses plaintext from outside the mesh (STRICT) on any captured port', () => {
      const b = topo.pods.b?.ip as string;
      expect(httpIn(topo.node, `http://${b}:${echoPort}/`)).not.toMatch(/^200 /);
    });
  },
);
