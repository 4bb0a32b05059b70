// The node-floor row: an idle Node 24 process (default V8 settings) with node:net, node:tls and
// node:http loaded and one HTTP listener, nothing else. Its RSS is the least any Node sidecar can hold, shown beside weft's
// in every run. It is plain JavaScript given with -e: a .ts entry would load Node's TypeScript
// stripper and count it in the floor. Pinned to the proxy CPU like every proxy; no traffic.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { waitForPortFile } from '../../cli/port-file.ts';
import { startPinned } from '../lib/processes.ts';
import { targetOf, type Scenario } from '../lib/scenario.ts';

/**
 * CommonJS, as the smallest Node program is: Node's ES module loader alone adds ~6 MB. argv[1] is
 * the port file, written atomically (write + rename) as cli/port-file.ts does.
 */
export const FLOOR_SCRIPT = `
require('node:net');
require('node:tls');
const { createServer } = require('node:http');
const { renameSync, writeFileSync } = require('node:fs');
const portFile = process.argv[1];
const server = createServer((req, res) => res.end());
server.listen(0, '127.0.0.1', () => {
  writeFileSync(portFile + '.tmp', JSON.stringify({ port: server.address().port }));
  renameSync(portFile + '.tmp', portFile);
});
process.once('SIGTERM', () => process.exit(0));
`;

export const nodeFloorScenario: Scenario = {
  name: 'node-floor',
  shape: 'idle',
  proxy: 'node-floor',
  tls: false,
  protocol: 'h1',
  start: async (env) => {
    const dir = join(env.dir, 'node-floor');
    mkdirSync(dir, { recursive: true });
    const portFile = join(dir, 'ports.json');
    const argv = [process.execPath, '-e', FLOOR_SCRIPT, portFile];
    const proc = startPinned('node-floor', env.proxyCpus, argv);
    try {
      const { port } = await waitForPortFile<{ port: number }>(portFile, 15_000, proc.alive);
      return targetOf(port, [proc]);
    } catch (e) {
      await proc.stop();
      throw new Error(`node-floor: ${(e as Error).message}\n${proc.output()}`, { cause: e });
    }
  },
};
