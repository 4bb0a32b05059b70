import { connect, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diverted } from '../transport/listener.ts';
import { destinationIndex } from './by-destination.ts';
import { captureDivert } from './divert.ts';
import type { TcpForwarder } from './tcp-forward.ts';

let server: Server;
const accepted: Socket[] = [];
beforeAll(async () => {
  server = createServer((s) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => {
  for (const s of accepted) s.destroy();
  server.close();
});

const socketPair = async (): Promise<Socket> => {
  const n = accepted.length;
  connect((server.address() as { port: number }).port, '127.0.0.1');
  while (accepted.length === n) await new Promise((r) => setTimeout(r, 5));
  return accepted[n] as Socket;
};

const unused: TcpForwarder = {
  toService: () => Promise.reject(new Error('not expected')),
  toOriginal: () => Promise.reject(new Error('not expected')),
};

describe('captureDivert without the addon', () => {
  it('says once that original-destination routing is off and leaves every connection to Host routing', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const divert = captureDivert({
      reader: { available: false, reason: 'addon not built', read: () => undefined },
      destinations: () => destinationIndex({}),
      forward: unused,
      logger,
    });
    const results: Diverted[] = [];
    for (let i = 0; i < 3; i++) results.push(await divert(await socketPair()));
    expect(results).toEqual([{ taken: false }, { taken: false }, { taken: false }]);
    const warnings = lines.filter((l) => l.msg.startsWith('original-destination routing is off'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
  });
});
