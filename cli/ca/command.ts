// `weft ca`: create and rotate the CA directory the control plane signs from
// (layout in control-plane/identity/ca-dir.ts and docs/identity.md; procedure in
// docs/runbooks/root-rotation.md). Root rotation: add → switch → remove.
import { Command, Option } from 'commander';
import { formatIssues, ok, type Result } from '../../api/model/result.ts';
import { caInit, createAuthority, type AuthoritySource } from '../../control-plane/identity/ca-dir-create.ts';
import { loadCaDir, readCaState, writeCaState } from '../../control-plane/identity/ca-dir.ts';
import { applyStage, type CaState, type RotationStage } from '../../control-plane/identity/ca-state.ts';

export { caInit, type AuthoritySource };

export const caRotate = async (
  dir: string,
  stage: RotationStage,
  src: AuthoritySource,
): Promise<Result<CaState>> => {
  const current = await readCaState(dir);
  if (!current.ok) return current;
  // Check the transition before writing any key material.
  const dryRun = applyStage(current.value, stage, stage === 'add' ? 'pending-new-root' : undefined);
  if (!dryRun.ok) return dryRun;
  const added = stage === 'add' ? await createAuthority(dir, src) : ok(undefined);
  if (!added.ok) return added;
  const next = applyStage(current.value, stage, added.value);
  if (!next.ok) return next;
  await writeCaState(dir, next.value);
  // Refuse to leave a directory the control plane cannot load.
  const check = await loadCaDir(dir);
  if (!check.ok) {
    await writeCaState(dir, current.value);
    return check;
  }
  return next;
};

const describeStage = (s: CaState): string => {
  if (s.next) return `stage add done: ${s.next} is trusted but not signing; next: --stage switch`;
  if (s.previous)
    return `stage switch done: ${s.active} signs, ${s.previous} still trusted; next: --stage remove`;
  return `steady: ${s.active} signs${s.trusted.length ? `, also trusted: ${s.trusted.join(', ')}` : ''}`;
};

const report = (r: Result<CaState>): void => {
  if (r.ok) {
    process.stdout.write(`${describeStage(r.value)}\n`);
    return;
  }
  process.stderr.write(`${formatIssues(r.error)}\n`);
  process.exitCode = 1;
};

interface SourceFlags {
  trustDomain: string;
  cert?: string;
  key?: string;
  chain?: string;
}

const withSourceFlags = (c: Command): Command =>
  c
    .option('--trust-domain <domain>', 'SPIFFE trust domain named in a generated root', 'cluster.local')
    .option('--cert <file>', 'bring your own root or intermediate certificate (PEM)')
    .option('--key <file>', 'its private key (PEM: ECDSA P-256/P-384 or RSA >= 2048)')
    .option('--chain <file>', 'for an intermediate: the certificates above it, up to the root');

export const caCommand = (): Command => {
  const ca = new Command('ca').description(
    'manage the CA directory the control plane signs workload certificates from',
  );
  withSourceFlags(ca.command('init'))
    .description('create a CA directory with a new ECDSA P-256 root (or an imported one)')
    .requiredOption('--out <dir>', 'CA directory to create')
    .option('--force', 'overwrite an existing state.json')
    .action(async (o: SourceFlags & { out: string; force?: boolean }) =>
      report(await caInit(o.out, o, o.force)),
    );
  withSourceFlags(ca.command('rotate'))
    .description(
      'root rotation without downtime: add (trust new root) → switch (sign with it) → remove (drop old)',
    )
    .requiredOption('--dir <dir>', 'CA directory')
    .addOption(
      new Option('--stage <stage>', 'rotation stage')
        .choices(['add', 'switch', 'remove'])
        .makeOptionMandatory(),
    )
    .action(async (o: SourceFlags & { dir: string; stage: RotationStage }) =>
      report(await caRotate(o.dir, o.stage, o)),
    );
  ca.command('status')
    .description('show which authority signs and which roots are trusted')
    .requiredOption('--dir <dir>', 'CA directory')
    .action(async (o: { dir: string }) => report(await readCaState(o.dir)));
  return ca;
};
