import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { MeshBody } from './body.ts';

const collect = (body: MeshBody): { chunks: Buffer[]; took: boolean } => {
  const chunks: Buffer[] = [];
  const took = body.takeWhole((c) => chunks.push(c));
  return { chunks, took };
};

describe('MeshBody', () => {
  it('hands a body that arrived whole to takeWhole, and counts it finished', () => {
    const body = new MeshBody();
    let done = 0;
    body.whenDone(() => done++);
    body.push(Buffer.from('hello '));
    expect(collect(body).took).toBe(false); // not complete yet: nothing taken
    body.push(Buffer.from('world'));
    body.push(null);
    const { chunks, took } = collect(body);
    expect(took).toBe(true);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    expect(done).toBe(1);
    expect(collect(body)).toEqual({ chunks: [], took: true }); // nothing left, still finished once
    expect(done).toBe(1);
  });

  it('streams to a reader that comes before or after the bytes, in order', async () => {
    const late = new MeshBody();
    late.push(Buffer.from('a'));
    late.push(Buffer.from('b'));
    late.push(null);
    expect(await text(late)).toBe('ab');

    const early = new MeshBody();
    const reading = text(early);
    early.push(Buffer.from('c'));
    await new Promise((r) => setImmediate(r));
    early.push(Buffer.from('d'));
    early.push(null);
    expect(await reading).toBe('cd');
  });

  it('once a reader took over, takeWhole declines and the stream keeps the bytes', async () => {
    const body = new MeshBody();
    body.push(Buffer.from('x'));
    expect(body.read()).toEqual(Buffer.from('x'));
    body.push(Buffer.from('y'));
    body.push(null);
    expect(collect(body).took).toBe(false);
    expect(await text(body)).toBe('y');
  });

  it('asks for a pause past 16 KiB while nobody reads, and pulls when a reader arrives', async () => {
    let pulls = 0;
    const body = new MeshBody(() => pulls++);
    expect(body.push(Buffer.alloc(10 * 1024))).toBe(true);
    expect(body.push(Buffer.alloc(10 * 1024))).toBe(false);
    expect(pulls).toBe(0);
    const reading = text(body);
    await new Promise((r) => setImmediate(r));
    expect(pulls).toBeGreaterThan(0);
    body.push(null);
    expect((await reading).length).toBe(20 * 1024);
  });

  it('drops waiting bytes when destroyed, and finishes once', () => {
    const body = new MeshBody();
    let done = 0;
    body.whenDone(() => done++);
    body.push(Buffer.from('gone'));
    body.destroy(new Error('connection closed'));
    body.push(null);
    expect(collect(body).took).toBe(false);
    expect(done).toBe(1);
  });
});
