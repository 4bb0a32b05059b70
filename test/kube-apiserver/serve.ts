// Run the stand-in on its own for poking at it with kubectl:
//   node test/kube-apiserver/serve.ts /tmp/standin.kubeconfig [--tls]
//   kubectl --kubeconfig /tmp/standin.kubeconfig get ns
// Runs until interrupted.
import { writeFileSync } from 'node:fs';
import { startKubeApiServer } from './server.ts';

const path = process.argv[2] ?? 'standin.kubeconfig';
const server = await startKubeApiServer({ tls: process.argv.includes('--tls') });
writeFileSync(path, server.kubeConfig().exportConfig(), { mode: 0o600 });
process.stdout.write(`kube-apiserver stand-in at ${server.url}; kubeconfig written to ${path}\n`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
