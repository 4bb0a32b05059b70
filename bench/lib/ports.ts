// Free loopback ports for peers that need a number in their config file (nginx, HAProxy): bind
// port 0, read what the kernel chose, release it. Node peers bind 0 themselves and report back.
import { createServer } from 'node:net';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
