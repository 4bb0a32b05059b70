// Child process of webhook-latency.ts: the injector webhook alone on its event loop, on
// 127.0.0.1:0 over HTTPS. Reads {cert, key} as JSON from argv[2]; prints {"port": N} when listening.
import { startInjectorWebhook } from '../../injector/app.ts';

const tls = JSON.parse(process.argv[2] ?? '{}') as { cert: string; key: string };
const webhook = await startInjectorWebhook({ tls, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: webhook.port })}\n`);
process.on('SIGTERM', () => void webhook.close().then(() => process.exit(0)));
