import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyPrefix, sniff, type Sniffed } from './detect.ts';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

describe('classifyPrefix', () => {
  it.each([
    [Buffer.from([0x16, 0x03, 0x01]), 'tls'],
    [Buffer.from(PREFACE), 'h2'],
    [Buffer.from(`${PREFACE}extra`), 'h2'],
    [Buffer.from('PRI * HT'), undefined],
    [Buffer.from('GET / HTTP/1.1\r\n'), 'http1'],
    [Buffer.from('P'), undefined],
    [Buffer.from('POST /'), 'http1'],
    [Buffer.alloc(0), undefined],
  ])('%s → %s', (buf, expected) => expect(classifyPrefix(buf)).toBe(expected));
});

describe('sniff', () => {
  /** Writes `parts` one by one to a fresh loopback connection and reports what sniff saw. */
  const sniffed = async (parts: string[]): Promise<{ kind: Sniffed; replay: string }> => {
    let accept!: (s: Socket) => void;
    const accepted = new Promise<Socket>((r) => (accept = r));
    const server = createServer(accept);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    const socket = await accepted;
    const kind = sniff(socket, 5_000);
    for (const p of parts) {
      client.write(p);
      await new Promise((r) => setTimeout(r, 5)); // let each part arrive as its own chunk
    }
    const k = await kind;
    // What sniff read must still be readable by whoever takes the socket next.
    const replay = await new Promise<string>((r) => {
      socket.once('data', (d) => r(String(d)));
      socket.resume();
    });
    client.destroy();
    socket.destroy();
    server.close();
    return { kind: k, replay };
  };

  it('waits for a split HTTP/2 preface and puts every byte back', async () => {
    expect(await sniffed(['PRI * HT', 'TP/2.0\r\n\r\nSM\r\n\r\n'])).toEqual({ kind: 'h2', replay: PREFACE });
  });
  it('decides HTTP/1.1 on the first byte that differs', async () => {
    expect(await sniffed(['GET / HTTP/1.1\r\n'])).toEqual({ kind: 'http1', replay: 'GET / HTTP/1.1\r\n' });
  });
  it('rejects when the peer leaves before saying enough', async () => {
    let accept!: (s: Socket) => void;
    const accepted = new Promise<Socket>((r) => (accept = r));
    const server = createServer(accept);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const socket = await accepted;
    const kind = sniff(socket, 5_000);
    client.end('PRI');
    await expect(kind).rejects.toThrow(/closed/);
    socket.destroy();
    server.close();
  });
});
