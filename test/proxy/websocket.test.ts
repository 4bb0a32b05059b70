// HTTP/1.1 Upgrade through the mesh: a real WebSocket client and server (the `ws` package) talk
// through client sidecar → mTLS → server sidecar; and a raw Upgrade to a made-up protocol shows
// bytes tunnel both ways unchanged, at volume.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { makePki, spiffe, type TestPki } from '../helpers/certs.ts';
import { startPair, type Pair } from '../helpers/mesh.ts';

/** A WebSocket echo app that also switches a raw `x-echo` upgrade to a byte echo. */
const startUpgradeApp = async () => {
  const server = createServer((_req, res) => res.writeHead(426).end('upgrade required'));
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket);
    if (req.headers.upgrade === 'x-echo') {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x-echo\r\n\r\n');
      if (head.length) socket.write(head);
      socket.on('data', (d: Buffer) => socket.write(d));
      return;
    }
    if (req.url === '/refuse')
      return void socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 4\r\n\r\nnope');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of upgraded) s.destroy(); // upgraded sockets left the http server's books
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
};

describe('Upgrade through the mesh pair (mTLS)', () => {
  let pki: TestPki;
  let app: Awaited<ReturnType<typeof startUpgradeApp>>;
  let pair: Pair;
  beforeAll(async () => {
    pki = makePki();
    app = await startUpgradeApp();
    pair = await startPair('sockets', app.port, {
      identity: spiffe('sockets-server'),
      server: { tls: pki.material('sockets-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('sockets-client') },
    });
  });
  afterAll(async () => {
    await pair.close();
    await app.close();
    pki.dispose();
  });

  it('carries a WebSocket conversation between real peers', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${pair.client.proxy.ports.outbound}/chat`, {
      headers: { host: 'sockets' },
    });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (data) => {
        got.push(String(data));
        if (got.length === 1) ws.send('x'.repeat(100_000));
        else ws.close(1000, 'done');
      });
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    expect(got[0]).toBe('hello');
    expect(got[1]).toBe('x'.repeat(100_000));
  });

  it('tunnels raw bytes both ways after 101', async () => {
    const socket = connect(pair.client.proxy.ports.outbound, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const text = (): string => Buffer.concat(chunks).toString();
    socket.write('GET /raw HTTP/1.1\r\nHost: sockets\r\nConnection: Upgrade\r\nUpgrade: x-echo\r\n\r\n');
    await expect.poll(text).toMatch(/^HTTP\/1\.1 101 /);
    expect(text()).toMatch(/upgrade: x-echo/i);
    try {
      socket.write('ping-1 ');
      await expect.poll(text).toContain('ping-1 ');
      socket.write(Buffer.alloc(200_000, 0x61));
      const echoed = (): number => text().length - text().indexOf('ping-1 ') - 'ping-1 '.length;
      await expect.poll(echoed, { timeout: 5000 }).toBe(200_000);
      expect(text().endsWith('a'.repeat(1000))).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  it('passes a refused upgrade back whole and closes the connection', async () => {
    const socket = connect(pair.client.proxy.ports.outbound, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write(
      'GET /refuse HTTP/1.1\r\nHost: sockets\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    await new Promise((r) => socket.once('close', r));
    const text = Buffer.concat(chunks).toString();
    expect(text).toMatch(/^HTTP\/1\.1 403 /);
    expect(text.endsWith('nope')).toBe(true);
  });
});
