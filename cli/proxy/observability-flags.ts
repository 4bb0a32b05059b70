// `weft proxy` flags for tracing and the access log (docs/observability.md), each with its WEFT_*
// variable. proxy/sidecar/observability-settings.ts turns their values into the sidecar's settings.
import { InvalidArgumentError, type Command } from 'commander';
import { envOption } from '../options.ts';

export const ratio = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('must be a number from 0 to 1, such as 0.1');
  return n;
};

/** An http(s) URL; anything else fails as bad usage, with the flag's name, before anything starts. */
export const httpUrl = (v: string): string => {
  if (!URL.canParse(v) || !/^https?:$/.test(new URL(v).protocol))
    throw new InvalidArgumentError('must be an http(s) URL, such as http://otel-collector:4318');
  return v;
};

/** Adds the tracing and access-log flags to `weft proxy` (listed first in its help). */
export const withObservabilityOptions = (cmd: Command): Command =>
  [
    envOption(
      '--tracing-endpoint <url>',
      'OTLP/HTTP collector for spans, e.g. http://otel-collector:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT; none = no spans, trace headers still forwarded)',
    ).argParser(httpUrl),
    envOption(
      '--tracing-sample-ratio <ratio>',
      'share of new traces recorded, 0..1 (callers that sampled are followed)',
    )
      .argParser(ratio)
      .default(1),
    envOption('--access-log [file]', 'JSON access log: on stdout, or in this file (default off)'),
    envOption('--access-log-sample-ratio <ratio>', 'share of requests written to the access log, 0..1')
      .argParser(ratio)
      .default(1),
  ].reduce((c, o) => c.addOption(o), cmd);
