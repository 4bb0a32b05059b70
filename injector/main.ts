// The injector on its own: `node injector/main.ts`, configured by environment (env.ts). Serves the
// webhook over HTTPS until SIGTERM. Exit 2 on bad configuration.
import { readFile } from 'node:fs/promises';
import { formatIssues } from '../api/model/result.ts';
import { createLogger } from '../api/runtime/logger.ts';
import { startInjectorWebhook } from './app.ts';
import { readInjectorEnv } from './env.ts';

const env = readInjectorEnv();
if (!env.ok) {
  process.stderr.write(`weft injector: bad environment:\n${formatIssues(env.error)}\n`);
  process.exit(2);
}
const { host, port, certFile, keyFile, logLevel, values } = env.value;
const logger = createLogger({ level: logLevel, base: { component: 'injector' } });
const tls = { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
const webhook = await startInjectorWebhook({ host, port, tls, values, logger });
process.once('SIGTERM', () => {
  logger.info('shutting down');
  void webhook.close().then(() => process.exit(0));
});
