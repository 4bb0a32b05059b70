// `node control-plane/main.ts`: the control plane as a process, configured by environment
// (control-plane/env.ts). Exit 2 on bad configuration; SIGTERM/SIGINT close it gracefully.
import { formatIssues } from '../api/model/result.ts';
import { createLogger } from '../api/runtime/logger.ts';
import { readControlPlaneEnv } from './env.ts';
import { startControlPlane } from './runtime.ts';

const main = async (): Promise<void> => {
  const env = readControlPlaneEnv();
  if (!env.ok) {
    process.stderr.write(`weft control plane: invalid environment\n${formatIssues(env.error)}\n`);
    process.exit(2);
  }
  const { logLevel, ...options } = env.value;
  const logger = createLogger({ name: 'weft-control-plane', level: logLevel });
  const cp = await startControlPlane({ ...options, logger });
  const stop = (): void => {
    cp.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
};

if (import.meta.main) await main();
