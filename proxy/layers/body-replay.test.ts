import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { replayableBody } from './body-replay.ts';
import { bodyOf, bytes, flush } from './policy-testkit.ts';

const read = async (s: NodeJS.ReadableStream | null): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  if (s) for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};
const signal = new AbortController().signal;

describe('body replay', () => {
  it('passes the body to the first try and replays identical copies', async () => {
    const data = bytes(40_000);
    const r = replayableBody(bodyOf(data), 64 * 1024);
    expect((await read(r.first)).equals(data)).toBe(true);
    expect((await read(await r.forReplay(signal))).equals(data)).toBe(true);
    expect((await read(await r.forReplay(signal))).equals(data)).toBe(true);
  });

  it('reads the rest itself when the first try gave up before sending it all', async () => {
    const data = bytes(50_000);
    const r = replayableBody(bodyOf(data, 1000), 64 * 1024);
    // The first try never reads its body (as with a connect failure).
    await flush();
    expect((await read(await r.forReplay(signal))).equals(data)).toBe(true);
  });

  it('refuses to replay a body over the limit but still streams it to the first try', async () => {
    const data = bytes(100 * 1024);
    const r = replayableBody(bodyOf(data), 64 * 1024);
    expect((await read(r.first)).equals(data)).toBe(true);
    expect(await r.forReplay(signal)).toBeNull();
  });

  it('refuses at once when content-length is over the limit, handing the source through', async () => {
    const src = bodyOf(bytes(10));
    const r = replayableBody(src, 5, 10);
    expect(r.first).toBe(src);
    expect(await r.forReplay(signal)).toBeNull();
  });

  it('refuses when the source errors, and the first try sees the error', async () => {
    const src = new PassThrough();
    const r = replayableBody(src, 1024);
    src.write('abc');
    src.destroy(new Error('client went away'));
    await expect(text(r.first)).rejects.toThrow('client went away');
    expect(await r.forReplay(signal)).toBeNull();
  });

  it('stops waiting for the rest of the body when the request is aborted', async () => {
    const src = new PassThrough();
    const r = replayableBody(src, 1024);
    src.write('partial');
    const ac = new AbortController();
    const p = r.forReplay(ac.signal);
    ac.abort();
    expect(await p).toBeNull();
  });

  it('hands an empty (content-length: 0) body through untouched and replays it as empty', async () => {
    const src = bodyOf(Buffer.alloc(0));
    const r = replayableBody(src, 1024, 0);
    expect(r.first).toBe(src);
    expect((await read(await r.forReplay(signal))).length).toBe(0);
  });
});
