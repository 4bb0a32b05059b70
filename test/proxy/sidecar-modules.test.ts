// What a running sidecar has loaded: `weft proxy` fed by a control plane, with a workload
// certificate from its CA (mTLS on), after it carried a request. The Kubernetes client, fastify,
// the control plane, the injector, all of zod (the sidecar validates with zod/mini), the YAML
// parser (only for --config files) and the tracing SDK (only with --tracing-endpoint) must not be
// among its modules: each costs memory in every pod. Modules are recorded by a resolve hook.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForPortFile } from '../../cli/port-file.ts';
import { systemClock } from '../../api/runtime/clock.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { stopAll } from '../mtls/processes.ts';
import { endpointsAre, ProcessMesh, serviceYaml, type SidecarProc } from '../reliability/harness.ts';
import { readTokenKey } from '../../control-plane/identity/token-key-file.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const hook = join(root, 'test/helpers/record-modules.ts');

/** Modules a sidecar must never load, as parts of their URLs. */
const NEVER = [
  '/node_modules/@kubernetes/client-node/',
  '/node_modules/fastify/',
  '/node_modules/zod/v4/classic/',
  '/node_modules/yaml/',
  '/node_modules/@opentelemetry/sdk-trace/',
  '/node_modules/@opentelemetry/exporter-trace-otlp-http/',
  `${root}/control-plane/`,
  `${root}/injector/`,
];

describe('the modules a running sidecar has loaded', () => {
  let mesh: ProcessMesh;
  let app: App;
  let loaded: string[] = [];

  beforeAll(async () => {
    mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('echo') });
    await mesh.startControlPlane();
    app = await startH1Echo('echo-app');
    await mesh.sidecar('server', { service: 'echo', appPort: app.port });
    const key = await readTokenKey(join(mesh.caDir, 'token.key'));
    if (!key.ok) throw new Error(JSON.stringify(key.error));
    const tokenFile = join(mesh.dir, 'client.token');
    writeFileSync(
      tokenFile,
      issueLocalToken({ key: key.value, namespace: 'demo', serviceAccount: 'client', clock: systemClock }),
    );
    const record = join(mesh.dir, 'client.modules');
    const portFile = join(mesh.dir, 'client.ports');
    const child = spawn(
      process.execPath,
      [
        ...['--import', hook, join(root, 'cli/main.ts'), 'proxy'],
        ...['--control-plane', mesh.cpAddress, '--workload', 'client', '--namespace', 'demo'],
        ...['--token-file', tokenFile, '--state-dir', join(mesh.dir, 'state-client'), '--log-level', 'warn'],
        ...['--listen-host', '127.0.0.1', '--app-port', '1', '--port-file', portFile],
        ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--metrics-port', '0'],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, WEFT_RECORD_MODULES: record } },
    );
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const ports = await waitForPortFile<SidecarProc['ports']>(
        portFile,
        20_000,
        () => child.exitCode === null,
      );
      await endpointsAre({ name: 'client', ports } as SidecarProc, 'echo', 1);
      const reply = await h1Call(ports.outbound, { authority: 'echo', path: '/' });
      expect(reply.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    loaded = readFileSync(record, 'utf8').split('\n');
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await app?.close();
    await mesh?.close();
  });

  it('holds what it runs on: the gRPC client, the certificate code, Node’s TLS', () => {
    for (const needed of ['/node_modules/@grpc/grpc-js/', '/node_modules/@peculiar/x509/', 'node:tls'])
      expect(
        loaded.some((u) => u.includes(needed)),
        needed,
      ).toBe(true);
  });

  it.each(NEVER)('has not loaded %s', (part) => {
    expect(loaded.filter((u) => u.includes(part))).toEqual([]);
  });
});
