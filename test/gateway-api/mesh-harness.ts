// The conformance environment on loopback: a control plane in local mode on a folder holding the
// upstream base manifests, three echo pods (echo-v1 and echo-v2 in gateway-conformance-mesh, a
// client-only echo-v1 in gateway-conformance-mesh-consumer), each behind its own sidecar. The
// Services' endpoints are written as v1 Endpoints naming the pods' sidecar inbound listeners, as
// the endpoints controller would; every Service port reaches the pod's one app port.
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/runtime.ts';
import { eventually, tempConfigDir, type TempDir } from '../control-plane/helpers.ts';
import { Metadata } from '@grpc/grpc-js';
import { httpStatusForGrpc } from '../../proxy/stack/grpc.ts';
import { grpcEchoClient, type EchoClient } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { silent, startDiscoveredSidecar, type DiscoveredSidecar } from '../helpers/mesh.ts';
import type { Client } from './cases.ts';
import { startEchoBackend, type EchoBackend, type EchoSeen } from './echo-backend.ts';
import type { Answer } from './judge.ts';

export const MESH_NS = 'gateway-conformance-mesh';
export const CONSUMER_NS = 'gateway-conformance-mesh-consumer';

const PODS: Readonly<Record<Client, { pod: string; namespace: string }>> = {
  v1: { pod: 'echo-v1-5d8f7c9b8-x2x7q', namespace: MESH_NS },
  v2: { pod: 'echo-v2-7c9d5b6f4-k8m2p', namespace: MESH_NS },
  consumer: { pod: 'echo-v1-6f7d8c9b5-q4w7z', namespace: CONSUMER_NS },
};

interface Pod {
  readonly backend: EchoBackend;
  readonly sidecar: DiscoveredSidecar;
  readonly agent: Agent;
  /** gRPC clients by authority. */
  readonly grpc: Map<string, EchoClient>;
}

export interface ConformanceMesh {
  /** Sends one request from `client`'s pod through its sidecar. */
  send(
    client: Client,
    req: { host: string; path: string; headers?: Readonly<Record<string, string>> },
  ): Promise<Answer>;
  /** One Echo.Say call from `client`'s pod through its sidecar; request headers travel as metadata. */
  sendGrpc(
    client: Client,
    req: { host: string; headers?: Readonly<Record<string, string>> },
  ): Promise<Answer>;
  /** Applies a test's manifests and waits until the clients' snapshots carry exactly its routes. */
  apply(file: string): Promise<void>;
  /** Removes them and waits until no route is left. */
  remove(): Promise<void>;
  close(): Promise<void>;
}

const endpointsYaml = (name: string, ports: readonly number[]): string =>
  `apiVersion: v1\nkind: Endpoints\nmetadata: {name: ${name}, namespace: ${MESH_NS}}\nsubsets:\n${ports
    .map((p) => `  - {addresses: [{ip: 127.0.0.1}], ports: [{port: ${p}}]}`)
    .join('\n')}\n---\n`;

/** `namespace/name` of every HTTPRoute/GRPCRoute a manifest file holds. */
const routesIn = (text: string): Set<string> =>
  new Set(
    parseAllDocuments(text)
      .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null)
      .filter((o) => o?.kind === 'HTTPRoute' || o?.kind === 'GRPCRoute')
      .map((o) => `${o?.metadata?.namespace ?? 'default'}/${o?.metadata?.name ?? ''}`),
  );

const routesOf = (s: ProxySnapshot | undefined): Set<string> => {
  const out = new Set<string>();
  for (const svc of Object.values(s?.services ?? {}))
    for (const r of svc.httpRoutes?.rules ?? []) out.add(r.route.split('/').slice(0, 2).join('/'));
  return out;
};

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) =>
  a.size === b.size && [...a].every((x) => b.has(x));

export const startConformanceMesh = async (dataDir: string): Promise<ConformanceMesh> => {
  const config: TempDir = await tempConfigDir({});
  await copyFile(join(dataDir, 'mesh-manifests.yaml'), join(config.dir, 'mesh-manifests.yaml'));
  const cp: RunningControlPlane = await startControlPlane({
    configDir: config.dir,
    grpcPort: 0,
    adminPort: 0,
    logger: silent,
    debounceMs: 20,
  });
  const pods = new Map<Client, Pod>();
  let seed = 1;
  for (const [client, { pod, namespace }] of Object.entries(PODS) as [Client, (typeof PODS)[Client]][]) {
    const backend = await startEchoBackend(pod);
    const sidecar = await startDiscoveredSidecar({
      address: cp.grpcAddress,
      node: { workload: pod, namespace, serviceAccount: 'default' },
      appPort: backend.port,
      seeds: { proxy: seed++, discovery: seed++ },
    });
    pods.set(client, {
      backend,
      sidecar,
      agent: new Agent({ keepAlive: true, maxSockets: 16 }),
      grpc: new Map(),
    });
  }
  const pod = (c: Client) => pods.get(c) as Pod;
  const inbound = (c: Client) => pod(c).sidecar.proxy.ports.inbound;
  await config.write(
    'endpoints.yaml',
    endpointsYaml('echo-v1', [inbound('v1')]) +
      endpointsYaml('echo-v2', [inbound('v2')]) +
      endpointsYaml('echo', [inbound('v1'), inbound('v2')]),
  );
  const snapshots = () => [...pods.values()].map((p) => p.sidecar.discovery.current());
  await eventually(
    () =>
      snapshots().every((s) => s?.services[`${MESH_NS}/echo`]?.endpoints.length === 2) ? true : undefined,
    10_000,
    'the echo endpoints in every sidecar',
  );
  const waitRoutes = (want: ReadonlySet<string>, what: string) =>
    eventually(
      () => {
        const have = new Set(snapshots().flatMap((s) => [...routesOf(s)]));
        return sameSet(have, want) ? true : undefined;
      },
      10_000,
      what,
    );
  const TEST_FILE = 'test-routes.yaml';
  return {
    send: async (client, req) => {
      const r = await h1Call(
        pod(client).sidecar.proxy.ports.outbound,
        { authority: req.host, path: req.path === '' ? '/' : req.path, headers: { ...req.headers } },
        pod(client).agent,
      );
      let seen: EchoSeen | undefined;
      if (r.headers['content-type'] === 'application/json')
        seen = JSON.parse(r.body.toString('utf8')) as EchoSeen;
      return { status: r.status, headers: r.headers, ...(seen ? { seen } : {}) };
    },
    sendGrpc: (client, req) => {
      const p = pod(client);
      let c = p.grpc.get(req.host);
      if (!c) p.grpc.set(req.host, (c = grpcEchoClient(p.sidecar.proxy.ports.outbound, req.host)));
      const md = new Metadata();
      for (const [k, v] of Object.entries(req.headers ?? {})) md.add(k, v);
      return new Promise<Answer>((resolve) =>
        c.say({ text: '' }, md, (err, reply) =>
          resolve(
            err || !reply
              ? { status: httpStatusForGrpc(err?.code ?? 2), headers: {} }
              : { status: 200, headers: {}, seen: JSON.parse(reply.text) as EchoSeen },
          ),
        ),
      );
    },
    apply: async (file) => {
      const text = await readFile(join(dataDir, 'tests', file), 'utf8');
      // Written in place: the folder watcher misses a delete after a rename-replace.
      await writeFile(join(config.dir, TEST_FILE), text);
      await waitRoutes(routesIn(text), `the routes of ${file}`);
    },
    remove: async () => {
      await rm(join(config.dir, TEST_FILE), { force: true });
      await waitRoutes(new Set(), 'no routes');
    },
    close: async () => {
      for (const p of pods.values()) {
        p.agent.destroy();
        for (const c of p.grpc.values()) c.close();
        await p.sidecar.close();
        await p.backend.close();
      }
      await cp.close();
      await config.remove();
    },
  };
};
