// One real cluster per test file: started before the file's tests, stopped after. Skipped, with a
// message saying why, only when Go is not installed; with Go present the suites always run (in CI
// .ci/run builds the binaries first, so a test file only waits for a cached build).
import { afterAll, beforeAll, describe } from 'vitest';
import { goCommand, kubeBinariesCached } from './binaries.ts';
import { startRealKube, type RealKube, type RealKubeOptions } from './cluster.ts';

export const GO_AVAILABLE = goCommand() !== undefined;

const SKIP_REASON = 'skipped: Go is not installed, so the real kube-apiserver cannot be built';

/**
 * Each test waits on real processes (kubectl, webhooks called by the API server, controllers): up
 * to two minutes on a loaded 2-core machine, never unbounded.
 */
export const REAL_KUBE_TEST_TIMEOUT_MS = 120_000;

/** describe() for a suite on the real API server, skipped (and saying so) without Go. */
export const describeRealKube = (name: string, fn: () => void): void => {
  if (GO_AVAILABLE) describe(name, { timeout: REAL_KUBE_TEST_TIMEOUT_MS }, fn);
  else {
    process.stderr.write(`${name}: ${SKIP_REASON}\n`);
    describe.skip(`${name} (${SKIP_REASON})`, fn);
  }
};

/** Start-up bound: minutes when this file has to build Kubernetes first, else ~3 min under load. */
const startTimeoutMs = (): number => (kubeBinariesCached() ? 240_000 : 45 * 60_000);

/** The file's cluster; call inside describeRealKube. The getter throws before beforeAll ran. */
export const useRealKube = (o: RealKubeOptions = {}): (() => RealKube) => {
  let kube: RealKube | undefined;
  beforeAll(
    async () => {
      // Ports are picked free and bound a moment later by etcd and the API server; another test
      // file may take one in between. Such a start fails at once, and a second start picks anew.
      kube = await startRealKube(o).catch((e: Error) => {
        if (!/address already in use/.test(e.message)) throw e;
        return startRealKube(o);
      });
    },
    GO_AVAILABLE ? startTimeoutMs() : 1_000,
  );
  afterAll(async () => {
    await kube?.stop();
  }, 60_000);
  return () => {
    if (!kube) throw new Error('the real cluster did not start (see the beforeAll error)');
    return kube;
  };
};

/** Polls an asynchronous condition every 200 ms until it holds, bounded by limitMs. */
export const eventually = async (
  cond: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 30_000,
): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};
