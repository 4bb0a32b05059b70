// A sidecar ACKs a snapshot only once its listeners' stacks are built from it. Real control plane
// (temp config folder, gRPC on loopback) and a real sidecar assembled as `weft proxy` does; the
// inbound policy layers fail to build for one TrafficSplit, so that snapshot must be NACKed with
// the reason while the sidecar keeps serving (and the control plane keeps recording) the last one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { startSidecar, type RunningSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { loopbackSidecar } from '../helpers/mesh.ts';
import {
  startControlPlane,
  type ControlPlaneStatus,
  type RunningControlPlane,
} from '../../control-plane/runtime.ts';
import type { Layer } from '../../proxy/stack/types.ts';
import {
  eventually,
  quietLogger,
  SERVICES_YAML,
  splitYaml,
  tempConfigDir,
  type TempDir,
} from '../control-plane/helpers.ts';

const logger = quietLogger();
let config: TempDir;
let cp: RunningControlPlane | undefined;
let sidecar: RunningSidecar | undefined;
let app: Server | undefined;

beforeEach(async () => {
  config = await tempConfigDir({ 'services.yaml': SERVICES_YAML, 'split.yaml': splitYaml(90, 10) });
});

afterEach(async () => {
  await sidecar?.close();
  await cp?.close();
  await new Promise((r) => (app ? app.close(r) : r(undefined)));
  await config.remove();
  sidecar = cp = app = undefined;
});

const firstWeight = (s: ProxySnapshot | undefined): number | undefined =>
  s?.services['demo/catalog']?.split?.backends[0]?.weight;

/** Tags every inbound answer with the split weight of the snapshot its stack was built from. */
const builtFrom =
  (s: ProxySnapshot | undefined): Layer =>
  (next) =>
  async (req, ctx) => {
    const res = await next(req, ctx);
    return { ...res, headers: { ...res.headers, 'x-built-from': String(firstWeight(s)) } };
  };

const status = async (): Promise<ControlPlaneStatus> =>
  (await (await fetch(`http://${cp!.adminAddress}/status`)).json()) as ControlPlaneStatus;

it('NACKs a snapshot whose stacks fail to build, with the reason, and keeps serving the last one', async () => {
  app = createServer((_req, res) => res.end('app'));
  await new Promise<void>((r) => app!.listen(0, '127.0.0.1', r));
  cp = await startControlPlane({
    configDir: config.dir,
    grpcPort: 0,
    adminPort: 0,
    logger,
    sendTimeoutMs: 5_000,
    startupGraceMs: 0,
  });
  sidecar = await startSidecar(
    loopbackSidecar('frontend', 'demo', {
      controlPlane: cp.grpcAddress,
      appPort: (app.address() as AddressInfo).port,
      inboundLayers: (s) => {
        if (firstWeight(s) === 0) throw new Error('the test refuses splits that send nothing to v1');
        return [builtFrom(s)];
      },
    }),
    logger,
  );
  const inbound = `http://127.0.0.1:${sidecar.proxy.ports.inbound}/`;
  const served = async (): Promise<string | null> => (await fetch(inbound)).headers.get('x-built-from');
  const good = await eventually(
    async () => {
      const s = (await status()).sidecars[0];
      return s?.ackedVersion !== undefined ? s.ackedVersion : undefined;
    },
    5_000,
    'the first ACK',
  );
  expect(await served()).toBe('90');

  await config.write('split.yaml', splitYaml(0, 100));
  const nacked = await eventually(
    async () => ((await status()).sidecars[0]?.lastNack ? await status() : undefined),
    5_000,
    'the NACK on /status',
  );
  const row = nacked.sidecars[0]!;
  expect(row.lastNack?.version).toBe(nacked.versions['demo/frontend']);
  expect(row.lastNack?.version).not.toBe(good);
  expect(row.lastNack?.issues).toEqual([
    {
      path: 'snapshot',
      message: 'cannot be built by this sidecar: the test refuses splits that send nothing to v1',
    },
  ]);
  expect(row.ackedVersion).toBe(good);
  expect(await served()).toBe('90');
  const admin = await fetch(`http://127.0.0.1:${sidecar.proxy.ports.admin}/config`);
  expect(((await admin.json()) as { version: string }).version).toBe(good);

  // The next buildable snapshot is ACKed and served as usual.
  await config.write('split.yaml', splitYaml(30, 70));
  await eventually(async () => ((await served()) === '30' ? true : undefined), 5_000, 'the 30/70 split');
  const after = await eventually(
    async () => {
      const st = await status();
      const s = st.sidecars[0];
      return s?.ackedVersion === st.versions['demo/frontend'] ? s : undefined;
    },
    5_000,
    'the ACK of the buildable snapshot',
  );
  expect(after.ackedVersion).not.toBe(good);
});
