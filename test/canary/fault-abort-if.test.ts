// End to end, real processes: `weft dev` (examples/local) with a FaultInjection added while it
// runs. A 50 % abort experiment guarded by a 90 % success-rate floor is ended by the control plane
// within one window of its start; a 1 % one runs until its duration ends it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaultStatus } from '../../control-plane/model-state.ts';
import { startDev, waitForState } from '../e2e/dev-harness.ts';

const WINDOW_S = 2;
const fault = (name: string, percent: number, duration: string) => `apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: {name: ${name}, namespace: demo}
spec:
  targetRef: {kind: Service, name: catalog}
  abort: {httpStatus: 503, percent: ${percent}}
  duration: ${duration}
  abortIf: {window: ${WINDOW_S}s, minRequests: 20, successRateFloor: 90}
`;

describe('FaultInjection abortIf in weft dev', () => {
  it(
    'ends a harmful experiment within one window and lets a harmless one run to its duration',
    { timeout: 120_000 },
    async () => {
      const run = await startDev(['--json']);
      try {
        const state = await waitForState(run);
        const faults = async (): Promise<FaultStatus[]> => {
          const res = await fetch(`http://${state.controlPlane.adminAddress}/status`);
          return ((await res.json()) as { faults: FaultStatus[] }).faults;
        };
        /** Polls /status (bounded) until `done` holds for the named fault. */
        const until = async (
          name: string,
          done: (f: FaultStatus) => boolean,
          ms: number,
        ): Promise<FaultStatus> => {
          const deadline = Date.now() + ms;
          for (;;) {
            const f = (await faults()).find((x) => x.name === `demo/${name}`);
            if (f && done(f)) return f;
            if (Date.now() > deadline) throw new Error(`demo/${name}: ${JSON.stringify(f)}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        };
        // Traffic must flow first: the guard judges windows with at least minRequests.
        await until('none', () => true, 0).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 3_000));

        await writeFile(join(run.meshDir, 'harmful.yaml'), fault('harmful', 50, '60s'));
        const seen = await until('harmful', () => true, 10_000);
        const ended = await until('harmful', (f) => f.abortedBy !== undefined, 15_000);
        expect(ended.state).toBe('ended');
        expect(ended.abortedBy?.reason).toMatch(/below the floor of 90 %/);
        expect(ended.abortedBy?.successRate).toBeLessThan(0.9);
        // Ended at the first full window after it started: within two window lengths of its start
        // (the window open when the fault arrived can straddle its start).
        const tookMs = Date.parse(ended.abortedBy?.at as string) - Date.parse(seen.startTime);
        expect(tookMs).toBeLessThanOrEqual(2 * WINDOW_S * 1000 + 1_000);

        await writeFile(join(run.meshDir, 'harmless.yaml'), fault('harmless', 1, '6s'));
        const done = await until('harmless', (f) => f.state === 'ended', 20_000);
        expect(done.abortedBy).toBeUndefined();
        expect(Date.parse(done.endTime as string) - Date.parse(done.startTime)).toBe(6_000);
      } finally {
        run.proc.kill('SIGINT');
        await run.exited;
      }
    },
  );
});
