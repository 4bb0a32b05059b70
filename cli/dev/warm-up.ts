// Before load starts, wait until a request through the load generator's sidecar succeeds, so the
// summary measures the mesh, not its start-up.
import http from 'node:http';

const tryOnce = (via: string, authority: string): Promise<number> =>
  new Promise((resolve) => {
    const [host, port] = via.split(':');
    const req = http.request({ host, port: Number(port), path: '/', headers: { host: authority } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(2000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });

export const waitUntilServing = async (via: string, authority: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await tryOnce(via, authority);
    if (last === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `mesh not serving ${authority} after ${timeoutMs} ms (last status ${last}); see .weft/dev/logs/`,
  );
};
