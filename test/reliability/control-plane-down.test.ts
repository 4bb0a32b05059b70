// Control plane down (processes): a client → server sidecar pair carries steady load while the
// control plane is SIGKILLed for OUTAGE_MS (the CI-sized stand-in for the 5 minutes:
// nothing in the sidecar counts time while disconnected except the reconnect back-off, capped at
// 10 s, so a longer outage only adds more of the same reconnect attempts). 0 requests may fail,
// and on its return both sidecars resync without a restart (a config change made afterwards
// reaches them). Then, with the control plane down again, the client sidecar is killed and
// restarted: it serves from the snapshot and certificate persisted in its --state-dir.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { scrape } from '../helpers/metrics.ts';
import { stopAll } from '../mtls/processes.ts';
import { eventually } from '../control-plane/helpers.ts';
import { endpointsAre, ProcessMesh, serviceYaml, snapshotOf, type SidecarProc } from './harness.ts';
import { report, startLoad } from './load.ts';

const RPS = 500;
const OUTAGE_MS = 8_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('control plane down', () => {
  let mesh: ProcessMesh;
  let app: App;
  let server: SidecarProc;
  let client: SidecarProc;

  beforeAll(async () => {
    mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('echo') });
    await mesh.startControlPlane();
    app = await startH1Echo('echo-app');
    server = await mesh.sidecar('server', { service: 'echo', appPort: app.port });
    client = await mesh.sidecar('client');
    await endpointsAre(client, 'echo', 1);
  }, 40_000);
  afterAll(async () => {
    await stopAll();
    await app?.close();
    await mesh?.close();
  });

  it(`keeps serving at ${RPS} req/s through a ${OUTAGE_MS / 1000} s outage and resyncs on return without restarts`, async () => {
    const load = startLoad({ port: client.ports.outbound, authority: 'echo', rps: RPS, maxMs: 25_000 });
    const t0 = Date.now();
    await sleep(1_000);
    await mesh.killControlPlane();
    await sleep(OUTAGE_MS);
    const back = Date.now();
    await mesh.startControlPlane();
    await mesh.writeConfig('extra.yaml', serviceYaml('extra'));
    // Local mode learns endpoints from connected sidecars: note whether the client ever ran a
    // snapshot without the server (it reconnected first) while both came back.
    let fewest = Infinity;
    await eventually(
      async () => {
        const s = await snapshotOf(client);
        fewest = Math.min(fewest, s?.services['demo/echo']?.endpoints.length ?? 0);
        return s?.services['demo/extra'] && (await snapshotOf(server))?.services['demo/extra']
          ? true
          : undefined;
      },
      15_000,
      'both sidecars to receive a snapshot from the restarted control plane',
    );
    console.log(`[reliability] fewest echo endpoints the client ran with during resync: ${fewest}`);
    const recoveryMs = Date.now() - back;
    await sleep(1_000);
    const r = await load.stop();
    report(`control plane down ${OUTAGE_MS} ms, resync ${recoveryMs} ms`, r, (Date.now() - t0) / 1000);
    expect(r.failed, r.errors.join('\n')).toBe(0);
    expect(r.sent).toBeGreaterThan(RPS * ((OUTAGE_MS + 1_000) / 1000) * 0.8);
    expect(client.proc.proc.exitCode).toBeNull();
    expect(server.proc.proc.exitCode).toBeNull();
    expect(await snapshotOf(server)).toHaveProperty(['services', 'demo/extra']);
    const reconnects = /^weft_discovery_reconnects_total (\d+)/m.exec(await scrape(client.ports.metrics));
    expect(Number(reconnects?.[1])).toBeGreaterThan(0);
  }, 50_000);

  it('a sidecar restarted while the control plane is down serves from its persisted snapshot and certificate', async () => {
    await mesh.killControlPlane();
    client.proc.proc.kill('SIGKILL');
    await client.proc.exited;
    const restarted = await mesh.sidecar('client'); // same name → same --state-dir
    expect((await snapshotOf(restarted))?.services['demo/echo']?.endpoints).toHaveLength(1);
    const load = startLoad({ port: restarted.ports.outbound, authority: 'echo', rps: RPS, maxMs: 3_000 });
    await sleep(3_000);
    const r = await load.stop();
    report('sidecar restarted while the control plane is down', r, 3);
    expect(r.failed, r.errors.join('\n')).toBe(0);
    expect(r.ok).toBeGreaterThan(RPS * 2);
  }, 40_000);
});
