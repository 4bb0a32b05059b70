// Processes started on port 0 tell their parent where they listen by writing a small JSON file
// atomically (write + rename), so a reader never sees half a file.
import { readFile, rename, writeFile } from 'node:fs/promises';

export const writePortFile = async (path: string, content: object): Promise<void> => {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(content));
  await rename(tmp, path);
};

/** Polls for the file until it exists or the deadline passes; `isAlive` stops early when the writer died. */
export const waitForPortFile = async <T>(
  path: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (!isAlive()) throw new Error(`process exited before writing ${path}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
