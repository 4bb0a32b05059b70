// Small files in the sidecar's state directory (the pod's in-memory volume): written whole to a
// temporary name and renamed over the target, so a restart never reads half a file; owner-only
// permissions because one of them holds the workload key.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Replaces `dir/name` atomically with `text` (mode 0600). */
export const writeStateFile = async (dir: string, name: string, text: string): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, join(dir, name));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
};

/** The file's text, or undefined when it does not exist (any other error is thrown). */
export const readStateFile = async (dir: string, name: string): Promise<string | undefined> => {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

/**
 * Writes the latest value handed to it, one write at a time: a burst of updates while a write is
 * in flight collapses into one more write of the newest value.
 */
export const latestWriter = <T>(
  write: (value: T) => Promise<void>,
  onError: (e: unknown) => void,
): ((value: T) => Promise<void>) => {
  let pending: { value: T } | undefined;
  let running: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    while (pending) {
      const { value } = pending;
      pending = undefined;
      await write(value).catch(onError);
    }
    running = undefined;
  };
  return (value) => {
    pending = { value };
    running ??= drain();
    return running;
  };
};
