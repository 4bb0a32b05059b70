import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originalDstReader, readerFrom, type OriginalDst } from './original-dst.ts';
import { socketFd } from './socket-fd.ts';

let server: Server;
let accepted: Promise<Socket>;
let client: Socket;
beforeAll(async () => {
  let take: (s: Socket) => void = () => undefined;
  accepted = new Promise((r) => (take = r));
  server = createServer(take);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = connect((server.address() as { port: number }).port, '127.0.0.1');
});
afterAll(() => {
  client.destroy();
  server.close();
});

describe('original destination reader', () => {
  it('passes the accepted socket’s fd to the addon and keeps a redirected destination', async () => {
    const socket = await accepted;
    const fds: number[] = [];
    const elsewhere: OriginalDst = { address: '10.96.0.10', port: 80, family: 4 };
    const reader = readerFrom({ originalDst: (fd) => (fds.push(fd), elsewhere) });
    expect(reader.read(socket)).toEqual(elsewhere);
    expect(fds).toEqual([socketFd(socket)]);
  });

  it('treats "the listener itself" and addon errors as not redirected', async () => {
    const socket = await accepted;
    const self = { address: '127.0.0.1', port: socket.localPort as number, family: 4 as const };
    expect(readerFrom({ originalDst: () => self }).read(socket)).toBeUndefined();
    const enoent = (): OriginalDst => {
      throw Object.assign(new Error('getsockopt: No such file or directory'), { code: '2' });
    };
    expect(readerFrom({ originalDst: enoent }).read(socket)).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')(
    'the built addon loads and finds no NAT on a direct connection',
    async () => {
      const reader = originalDstReader();
      expect(reader.reason).toBeUndefined();
      expect(reader.available).toBe(true);
      expect(reader.read(await accepted)).toBeUndefined();
    },
  );
});
