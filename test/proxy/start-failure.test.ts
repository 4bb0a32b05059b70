// A sidecar that cannot start says what failed and leaves nothing open. As a real `weft proxy`
// process: a port already taken exits 1 naming the listener, the address and the flag that moves
// it; a bad --config file exits 2 (usage). In process, through the same assembly: when a later
// step fails, every part already started (access log, workload identity, listeners, discovery)
// is closed, so the process holds exactly the handles it held before.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type SidecarOptions } from '../../proxy/sidecar/start-sidecar.ts';
import { loopbackSidecar } from '../helpers/mesh.ts';
import { ListenError, SidecarConfigError } from '../../proxy/start-errors.ts';
import { silent, startMeshControlPlane, type MeshControlPlane } from '../mtls/harness.ts';

/** Polls until `probe` returns an empty record or `ms` pass; returns the last value. */
const waitFor = async (probe: () => Record<string, number>, ms: number): Promise<Record<string, number>> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (Object.keys(v).length === 0 || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
};

const repoRoot = resolve(import.meta.dirname, '../..');
const SNAPSHOT = `version: static-1
workload: { name: web, namespace: demo, serviceAccount: web, identity: spiffe://cluster.local/ns/demo/sa/web }
services: {}
`;

let dir: string;
let config: string;
let taken: Server;
let takenPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-start-failure-'));
  config = join(dir, 'snapshot.yaml');
  await writeFile(config, SNAPSHOT);
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  takenPort = (taken.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((r) => taken.close(r));
  await rm(dir, { recursive: true, force: true });
});

const weftProxy = (args: readonly string[]): Promise<{ code: number | null; stderr: string }> =>
  new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['cli/main.ts', 'proxy', '--listen-host', '127.0.0.1', ...args],
      { cwd: repoRoot, timeout: 30_000, env: { ...process.env, WEFT_LOG_LEVEL: 'silent' } },
      (_err, _stdout, stderr) => done({ code: child.exitCode, stderr }),
    );
  });

describe('weft proxy (process) that cannot start', () => {
  it('exits 1 when a port is in use, naming the listener, the address and the flag', async () => {
    const r = await weftProxy([
      ...['--config', config, '--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0'],
      ...['--metrics-port', String(takenPort)],
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `weft proxy: the metrics listener cannot listen on 127.0.0.1:${takenPort}: the port is already in use; ` +
        'choose another port with --metrics-port (WEFT_METRICS_PORT)\n',
    );
  });

  it('exits 2 for a configuration file that does not exist', async () => {
    const missing = join(dir, 'missing.yaml');
    const r = await weftProxy(['--config', missing, '--outbound-port', '0', '--inbound-port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${missing}: cannot be read (ENOENT)`);
  });

  it('exits 2 for a tracing endpoint that is not an http(s) URL, naming the flag', async () => {
    const r = await weftProxy(['--config', config, '--tracing-endpoint', 'collector:4318']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--tracing-endpoint <url>' argument 'collector:4318' is invalid\. must be an http/,
    );
  });
});

/** Open handles of this process by kind (servers, sockets, timers), and its file descriptors. */
const handles = (): Record<string, number> => {
  const counts: Record<string, number> = { fd: readdirSync('/proc/self/fd').length };
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

/** Kinds of which `now` holds more than `before` (a start that failed must add none). */
const added = (before: Record<string, number>, now: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(now)
      .filter(([kind, n]) => n > (before[kind] ?? 0))
      .map(([kind, n]) => [kind, n - (before[kind] ?? 0)]),
  );

describe('startSidecar that fails part-way', () => {
  let mesh: MeshControlPlane;
  beforeAll(async () => {
    mesh = await startMeshControlPlane({});
  });
  afterAll(() => mesh.close());

  const flags = (over: Partial<SidecarOptions>): SidecarOptions =>
    loopbackSidecar('web', 'demo', { appPort: 1, accessLog: join(dir, 'access.log'), ...over });

  /** Runs a start that must fail; then waits until the process holds no more than it held before. */
  const failsAndCloses = async (start: () => Promise<unknown>): Promise<unknown> => {
    const before = handles();
    const err = await start().then(
      () => new Error('the sidecar started'),
      (e: unknown) => e,
    );
    // Closing is asynchronous (a socket's close, a timer's clear): wait for it, bounded.
    const left = await waitFor(() => added(before, handles()), 5_000);
    expect(left, 'handles and descriptors left open by the failed start').toEqual({});
    return err;
  };

  it('closes identity, access log and the listeners already bound when the metrics port is taken', async () => {
    const tokenFile = await mesh.tokenFile('demo', 'web');
    const err = await failsAndCloses(() =>
      startSidecar(flags({ controlPlane: mesh.cp.grpcAddress, tokenFile, metricsPort: takenPort }), silent),
    );
    expect(err).toBeInstanceOf(ListenError);
    expect(err).toMatchObject({ listener: 'metrics', host: '127.0.0.1', port: takenPort });
  });

  it('closes everything when the last step (reading --config) fails after the listeners are up', async () => {
    const tokenFile = await mesh.tokenFile('demo', 'web');
    const err = await failsAndCloses(() =>
      startSidecar(
        flags({ config: join(dir, 'missing.yaml'), caAddress: mesh.cp.grpcAddress, tokenFile }),
        silent,
      ),
    );
    expect(err).toBeInstanceOf(SidecarConfigError);
    expect((err as Error).message).toMatch(/missing\.yaml: cannot be read \(ENOENT\)/);
  });
});
