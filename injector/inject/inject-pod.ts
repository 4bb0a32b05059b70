// The mutation, pure: pod (or pod template) in, injected pod out, or every bad annotation with
// its path. The webhook diffs the result into a JSONPatch; `weft inject` replays that patch on YAML.
import { ok, type Result } from '../../api/model/result.ts';
import { INJECT_SKIPPED, INJECTED } from './annotations.ts';
import { initContainer, proxyContainer, proxyVolumes } from './containers.ts';
import type { Container, PodLike, StringMap } from './kube-types.ts';
import { podSettings } from './pod-settings.ts';
import { rewriteProbes } from './probes.ts';
import { injectReport, type InjectReport } from './report.ts';
import type { InjectValues } from './values.ts';

export interface InjectOptions {
  /** Prefix for issue paths, e.g. "spec.template." for a Deployment's pod template. */
  readonly pathPrefix?: string;
  /** Record why a pod was skipped in an annotation (files: yes; the webhook leaves skipped pods untouched). */
  readonly annotateSkip?: boolean;
}

export interface InjectOutcome {
  readonly pod: PodLike;
  readonly report: InjectReport;
}

/** The app's port the sidecar forwards inbound traffic to: the first TCP port of the first container. */
const firstAppPort = (containers: readonly Container[]): number | undefined =>
  containers.flatMap((c) => c.ports ?? []).find((p) => (p.protocol ?? 'TCP') === 'TCP')?.containerPort;

const scrapeAnnotations = (annotations: StringMap, v: InjectValues): StringMap =>
  // An app that already asks to be scraped keeps its own settings (one target per pod).
  annotations['prometheus.io/scrape'] !== undefined
    ? {}
    : {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(v.ports.metrics),
        'prometheus.io/path': '/metrics',
      };

const skipped = (pod: PodLike, report: InjectReport, o: InjectOptions): InjectOutcome => {
  if (report.inject || report.reason !== 'host-network' || !o.annotateSkip) return { pod, report };
  const metadata = pod.metadata ?? {};
  const annotations = { ...metadata.annotations, [INJECT_SKIPPED]: report.reason };
  return { pod: { ...pod, metadata: { ...metadata, annotations } }, report };
};

export const injectPod = (
  pod: PodLike,
  values: InjectValues,
  o: InjectOptions = {},
): Result<InjectOutcome> => {
  const report = injectReport(pod);
  if (!report.inject) return ok(skipped(pod, report, o));
  const metadata = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const annotations = metadata.annotations ?? {};
  const settings = podSettings(annotations, values, o.pathPrefix);
  if (!settings.ok) return settings;
  const s = settings.value;
  const app = spec.containers ?? [];
  const rewritten = s.rewriteProbes
    ? rewriteProbes(app, values.ports.probe)
    : { containers: [...app], originals: {} };
  const proxy = proxyContainer(values, {
    settings: s,
    appPort: firstAppPort(app),
    probes: rewritten.originals,
  });
  // weft-init runs first so every later container (user init containers too) is captured; a native
  // sidecar comes right after it so those containers already have a proxy to talk through.
  const init = initContainer(values, s);
  const existingInit = spec.initContainers ?? [];
  const injectedSpec = {
    ...spec,
    initContainers: s.nativeSidecar ? [init, proxy, ...existingInit] : [init, ...existingInit],
    containers: s.nativeSidecar ? rewritten.containers : [proxy, ...rewritten.containers],
    volumes: [...(spec.volumes ?? []), ...proxyVolumes(values)],
  };
  const injectedMeta = {
    ...metadata,
    annotations: { ...annotations, ...scrapeAnnotations(annotations, values), [INJECTED]: 'true' },
  };
  return ok({ pod: { ...pod, metadata: injectedMeta, spec: injectedSpec }, report });
};
