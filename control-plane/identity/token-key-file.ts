// The local-token HMAC key on disk (`--token-key-file`, default <ca-dir>/token.key), so `weft dev`
// (or an operator) can issue tokens the control plane accepts. Base64 text, mode 0600; created
// once with O_EXCL so two starters never end up with different keys.
import { readFile, writeFile } from 'node:fs/promises';
import { err, ok, type Result } from '../../api/model/result.ts';
import { generateLocalTokenKey } from './local-token.ts';

const KEY_BYTES = 32;

export const readTokenKey = async (path: string): Promise<Result<Uint8Array>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return err([{ path, message: `cannot read the token key: ${(e as Error).message}` }]);
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    return err([{ path, message: `must hold ${KEY_BYTES} bytes in base64 (got ${key.length} bytes)` }]);
  return ok(new Uint8Array(key));
};

/** Reads the key at `path`, or creates it there first. */
export const readOrCreateTokenKey = async (path: string): Promise<Result<Uint8Array>> => {
  try {
    await writeFile(path, `${Buffer.from(generateLocalTokenKey()).toString('base64')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
      return err([{ path, message: `cannot create the token key: ${(e as Error).message}` }]);
  }
  return readTokenKey(path);
};
