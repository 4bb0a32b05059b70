// The state directory's file helpers: atomic replace with owner-only permissions, a missing file
// reads as undefined, and a burst of saves collapses into the newest value, one write at a time.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestWriter, readStateFile, writeStateFile } from './state-file.ts';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'weft-state-file-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('state files', () => {
  it('replaces a file atomically with mode 0600 in a 0700 directory, leaving no temp files', async () => {
    const sub = join(dir, 'nested');
    await writeStateFile(sub, 'a.json', 'one');
    await writeStateFile(sub, 'a.json', 'two');
    expect(await readStateFile(sub, 'a.json')).toBe('two');
    expect((await stat(join(sub, 'a.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(sub)).mode & 0o777).toBe(0o700);
    expect(await readdir(sub)).toEqual(['a.json']);
  });

  it('reads a missing file as undefined', async () => {
    expect(await readStateFile(dir, 'absent.json')).toBeUndefined();
  });

  it('collapses a burst into the newest value, never two writes at once', async () => {
    const written: number[] = [];
    let running = 0;
    let overlap = false;
    const save = latestWriter(
      async (v: number) => {
        overlap ||= running++ > 0;
        await new Promise((r) => setTimeout(r, 5));
        written.push(v);
        running--;
      },
      () => undefined,
    );
    const done = [1, 2, 3, 4, 5].map((v) => save(v));
    await Promise.all(done);
    expect(written).toEqual([1, 5]);
    expect(overlap).toBe(false);
  });

  it('keeps going after a failed write', async () => {
    const errors: unknown[] = [];
    const written: string[] = [];
    const save = latestWriter(
      async (v: string) => {
        if (v === 'bad') throw new Error('disk full');
        written.push(v);
      },
      (e) => errors.push(e),
    );
    await save('bad');
    await save('good');
    expect(written).toEqual(['good']);
    expect(errors).toHaveLength(1);
  });
});
