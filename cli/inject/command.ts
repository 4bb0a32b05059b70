// `weft inject -f FILE|-`: the webhook's mutation applied to YAML files (Pods, workloads, Lists),
// printed for `kubectl apply -f -`. Bad input exits 2 naming the file, document and line.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { formatIssues, type Result } from '../../api/model/result.ts';
import { parseValues, type InjectValues } from '../../injector/inject/values.ts';
import { injectYaml, type WorkloadReport } from '../../injector/inject/yaml-inject.ts';
import { envOption } from '../options.ts';

export interface InjectFlags {
  readonly filename: string;
  readonly image?: string;
  readonly proxyLogLevel?: string;
  readonly controlPlane?: string;
  readonly nativeSidecar?: string;
  readonly controlPlaneTls?: string;
}

export interface InjectIo {
  readonly readFile: (path: string) => Promise<string>;
  readonly readStdin: () => Promise<string>;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const flagValues = (f: InjectFlags): Result<InjectValues> => {
  const named = (value: string | undefined, flag: string, env: string) =>
    value === undefined ? undefined : { value, name: `${flag} (or ${env})` };
  return parseValues({
    image: named(f.image, '--image', 'WEFT_IMAGE'),
    logLevel: named(f.proxyLogLevel, '--proxy-log-level', 'WEFT_PROXY_LOG_LEVEL'),
    controlPlaneAddress: named(f.controlPlane, '--control-plane', 'WEFT_CONTROL_PLANE'),
    nativeSidecar: named(f.nativeSidecar, '--native-sidecar', 'WEFT_NATIVE_SIDECAR'),
    controlPlaneTls: named(f.controlPlaneTls, '--control-plane-tls', 'WEFT_CONTROL_PLANE_TLS'),
  });
};

const summary = (w: readonly WorkloadReport[]): string =>
  w
    .map((x) => `${x.object}: ${x.report.inject ? 'injected' : `skipped (${x.report.reason})`}`)
    .map((line) => `weft inject: ${line}\n`)
    .join('');

/** Runs one injection; returns the exit code (0, or 2 for bad flags or input). */
export const runInject = async (f: InjectFlags, io: InjectIo): Promise<number> => {
  const values = flagValues(f);
  if (!values.ok) {
    io.stderr(`weft inject: ${formatIssues(values.error)}\n`);
    return 2;
  }
  const where = f.filename === '-' ? 'stdin' : f.filename;
  let text: string;
  try {
    text = f.filename === '-' ? await io.readStdin() : await io.readFile(f.filename);
  } catch (e) {
    io.stderr(`weft inject: cannot read ${where}: ${(e as Error).message}\n`);
    return 2;
  }
  const r = injectYaml(text, values.value, where);
  if (!r.ok) {
    io.stderr(`weft inject: nothing written, fix these first:\n${formatIssues(r.error)}\n`);
    return 2;
  }
  io.stdout(r.value.text);
  io.stderr(summary(r.value.workloads));
  return 0;
};

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const processIo: InjectIo = {
  readFile: (p) => readFile(p, 'utf8'),
  readStdin,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

export const injectCommand = (): Command =>
  new Command('inject')
    .description('add the weft sidecar to the workloads in a YAML file (what the webhook does at admission)')
    .requiredOption('-f, --filename <file>', 'YAML file with one or more documents; - reads stdin')
    .addOption(envOption('--image <image>', 'weft image for the sidecar and init containers'))
    .addOption(envOption('--proxy-log-level <level>', 'sidecar log level (fatal … trace)'))
    .addOption(envOption('--control-plane <host:port>', 'control plane gRPC address the sidecars dial'))
    .addOption(
      envOption(
        '--native-sidecar <true|false>',
        'sidecar as an init container with restartPolicy Always (needs Kubernetes ≥ 1.29; default true)',
      ),
    )
    .addOption(
      envOption(
        '--control-plane-tls <true|false>',
        'the control plane serves gRPC over TLS: mount ConfigMap weft-root-ca and set WEFT_CONTROL_PLANE_CA (default true)',
      ),
    )
    .action(async (f: InjectFlags) => {
      process.exitCode = await runInject(f, processIo);
    });
