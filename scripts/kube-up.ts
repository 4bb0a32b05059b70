// `npm run kube:up -- --kubeconfig FILE`: a real kube-apiserver, etcd and kube-controller-manager
// on loopback (built from the Go modules on first use), an admin kubeconfig in FILE, in the
// foreground until Ctrl-C or SIGTERM, which stops every process and removes the cluster's files.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureKubeBinaries, goCommand } from '../test/kube-real/binaries.ts';
import { startRealKube } from '../test/kube-real/cluster.ts';

const usage = 'usage: npm run kube:up -- --kubeconfig FILE [--build-only]';

const main = async (): Promise<number> => {
  let values: { kubeconfig?: string; 'build-only'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        kubeconfig: { type: 'string' },
        'build-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`kube:up: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!goCommand()) {
    console.error('kube:up: Go is not installed (needed once to build kube-apiserver, etcd and friends)');
    return 2;
  }
  if (values['build-only']) {
    const b = await ensureKubeBinaries();
    console.log(`Kubernetes ${b.kubernetesVersion} binaries in ${b.dir}`);
    return 0;
  }
  if (!values.kubeconfig) {
    console.error(`kube:up: --kubeconfig FILE is required (where to write the admin kubeconfig)\n${usage}`);
    return 2;
  }
  const target = resolve(values.kubeconfig);
  // Never overwrite a kubeconfig someone keeps (say ~/.kube/config): ours is removed on exit.
  if (existsSync(target)) {
    console.error(`kube:up: ${target} exists; name a new file (it is removed again on exit)`);
    return 2;
  }
  const kube = await startRealKube();
  copyFileSync(kube.kubeconfigPath, target);
  console.log(`Kubernetes ${kube.kubernetesVersion} is up at ${kube.url} (etcd, kube-apiserver and
kube-controller-manager on loopback). Admin kubeconfig: ${target}

  export KUBECONFIG=${target}
  alias kubectl=${kube.kubectlPath}   # the kubectl of the same build, if you have none
  npx weft install | kubectl apply -f -

Then run the control plane with its webhooks on the weft-control-plane Service's cluster IP
(Services get loopback addresses here): README.md, "Trying weft against a real API server".
Logs: ${kube.dir}/*.log. No kubelet or scheduler runs: Pods pass admission and are stored, but
never start. Ctrl-C stops everything and removes the cluster's files and ${target}.`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  console.log('kube:up: stopping');
  await kube.stop();
  rmSync(target, { force: true });
  return 0;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`kube:up: ${(e as Error).message}`);
    process.exit(1);
  },
);
