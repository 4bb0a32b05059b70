// A TCP relay on 127.0.0.1:0 in front of the control plane, one per sidecar, so a test decides
// when each sidecar may reach the control plane again after an outage (the reconnect order is
// otherwise a race between random back-offs). block() cuts every relayed connection and refuses
// new ones; open() lets them through again.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Relay {
  readonly address: string;
  block(): void;
  open(): void;
  close(): Promise<void>;
}

export const startRelay = async (target: () => number): Promise<Relay> => {
  let blocked = false;
  const live = new Set<Socket>();
  const server: Server = createServer((down) => {
    if (blocked) return void down.destroy();
    const up = connect(target(), '127.0.0.1');
    for (const s of [down, up]) {
      live.add(s);
      s.on('error', () => undefined);
      s.once('close', () => (live.delete(s), down.destroy(), up.destroy()));
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = (): void => {
    for (const s of live) s.destroy();
  };
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    block: () => ((blocked = true), cut()),
    open: () => void (blocked = false),
    close: () => (cut(), new Promise<void>((r) => server.close(() => r()))),
  };
};
