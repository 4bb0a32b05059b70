// Endpoints that never answer, on loopback, for connect and handshake deadlines:
// - `tcpBlackhole`: a socket that listens but never accepts, with a backlog of 0 that one filler
//   connection fills; Linux then drops further SYNs, so a connect hangs as it would to a host
//   behind a DROP rule (Node servers always accept, so the listener is a python3 child).
// - `tlsBlackhole`: a TCP server that accepts and never answers the ClientHello.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

const LISTEN_NEVER_ACCEPT = [
  'import socket, sys, time',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'sys.stdin.read()', // until the test closes stdin
].join('\n');

const connects = (port: number, withinMs: number): Promise<Socket | undefined> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, withinMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });

export const tcpBlackhole = async (): Promise<Blackhole> => {
  const child: ChildProcess = spawn('python3', ['-c', LISTEN_NEVER_ACCEPT], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`python3 listener exited (${code})`)));
  });
  const port = Number(line);
  // Fill the accept queue: connections complete until it is full, then SYNs are dropped. A
  // connect that has not completed in 500 ms (loopback answers in microseconds) proves it.
  const fillers: Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = await connects(port, 500);
    if (!s) break;
    fillers.push(s);
  }
  if (fillers.length === 8) throw new Error('the listen backlog never filled: SYNs are not being dropped');
  return {
    port,
    close: async () => {
      fillers.forEach((s) => s.destroy());
      child.stdin?.end();
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
};

export const tlsBlackhole = async (): Promise<Blackhole & { readonly accepted: () => number }> => {
  const held: Socket[] = [];
  const server = createServer((s) => void held.push(s)); // accepts, reads nothing, says nothing
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => held.length,
    close: () =>
      new Promise((r) => {
        held.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
};
