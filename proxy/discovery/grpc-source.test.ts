// Reconnect timing on a ManualClock against a port nobody listens on: the stream fails fast
// (real socket, loopback), and the back-off timer decides when the next attempt happens.
import { createServer } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { connectDiscovery, type DiscoverySource } from './grpc-source.ts';

const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
};

const waitFor = async (cond: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let source: DiscoverySource | undefined;
afterEach(async () => {
  await source?.close();
  source = undefined;
});

describe('connectDiscovery reconnects', () => {
  it('with capped exponential back-off and jitter, on the injected clock', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    source = connectDiscovery({
      address: `127.0.0.1:${await closedPort()}`,
      node: { workload: 'w', namespace: 'demo', serviceAccount: 'w' },
      logger: pino({ level: 'silent' }),
      clock,
      random: seededRandom(1),
      backoff: { baseMs: 100, maxMs: 400 },
      registry,
    });
    const s = source;
    // Attempt n waits between cap/2 and cap, cap = min(400, 100 × 2^n).
    for (const cap of [100, 200, 400, 400]) {
      const before = s.stats().reconnects;
      await waitFor(() => clock.pendingTimers() === 1, 'the stream to fail and a retry to be scheduled');
      clock.advance(cap / 2 - 1);
      expect(s.stats().reconnects).toBe(before);
      clock.advance(cap / 2 + 1);
      expect(s.stats().reconnects).toBe(before + 1);
    }
    expect(s.current()).toBeUndefined();
    expect(await registry.getSingleMetricAsString('weft_discovery_reconnects_total')).toMatch(/ 4$/);
    await s.close();
    await expect(s.ready()).rejects.toThrow(/closed before the first snapshot/);
    expect(clock.pendingTimers()).toBe(0);
  });
});
