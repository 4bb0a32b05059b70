// A caller that goes away mid-request cancels the request all the way to the app, for HTTP/1.1
// and h2c, so abandoned work does not pile up behind the sidecars.
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createH2Server, type ServerHttp2Stream } from 'node:http2';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { h2Connect } from '../helpers/http-clients.ts';
import { startPair } from '../helpers/mesh.ts';

/** Resolves when `emitter` emits `event`. */
const once = (emitter: { once(e: string, f: () => void): unknown }, event: string): Promise<void> =>
  new Promise((r) => emitter.once(event, () => r()));

describe('caller goes away', () => {
  it('HTTP/1.1: the app sees its request closed', async () => {
    let arrived!: (req: IncomingMessage) => void;
    const arrival = new Promise<IncomingMessage>((r) => (arrived = r));
    const app = createServer((req) => arrived(req)); // never answers
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const pair = await startPair('hang', (app.address() as AddressInfo).port);
    try {
      const out = request({
        host: '127.0.0.1',
        port: pair.client.proxy.ports.outbound,
        headers: { host: 'hang' },
      });
      out.on('error', () => undefined);
      out.end();
      const seen = await arrival;
      const closed = once(seen, 'close');
      // A reset is a caller that is gone. (A FIN alone is a half-close: the sidecar still answers,
      // see test/reliability/slow-peers.test.ts.)
      out.socket?.resetAndDestroy();
      await closed;
      expect(seen.complete).toBe(true); // it had the whole request; the close is the cancellation
    } finally {
      await pair.close();
      app.closeAllConnections();
      app.close();
    }
  });

  it('h2c: the app’s stream is reset', async () => {
    let arrived!: (s: ServerHttp2Stream) => void;
    const arrival = new Promise<ServerHttp2Stream>((r) => (arrived = r));
    const app = createH2Server();
    app.on('stream', (s) => {
      s.on('error', () => undefined);
      arrived(s);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const pair = await startPair('hang2', (app.address() as AddressInfo).port);
    const session = h2Connect(pair.client.proxy.ports.outbound);
    try {
      const stream = session.request({ ':authority': 'hang2', ':path': '/' });
      stream.on('error', () => undefined);
      const seen = await arrival;
      const closed = once(seen, 'close');
      stream.close();
      await closed;
      expect(seen.rstCode).not.toBe(0);
    } finally {
      session.destroy();
      await pair.close();
      app.close();
    }
  });
});
