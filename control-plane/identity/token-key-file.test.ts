import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOrCreateTokenKey, readTokenKey } from './token-key-file.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('token key file', () => {
  it('is created once (0600) and read back unchanged', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-key-'));
    const path = join(dir, 'token.key');
    const first = await readOrCreateTokenKey(path);
    const second = await readOrCreateTokenKey(path);
    expect(first.ok && first.value.length).toBe(32);
    expect(second).toEqual(first);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('refuses a key of the wrong size and a missing file, naming the file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-key-'));
    const path = join(dir, 'short.key');
    await writeFile(path, Buffer.alloc(16).toString('base64'));
    expect(await readTokenKey(path)).toEqual({
      ok: false,
      error: [{ path, message: 'must hold 32 bytes in base64 (got 16 bytes)' }],
    });
    const missing = await readTokenKey(join(dir, 'nope'));
    expect(!missing.ok && missing.error[0]?.path).toBe(join(dir, 'nope'));
  });
});
