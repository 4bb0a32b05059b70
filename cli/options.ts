// Option helpers shared by the subcommands: every flag has a WEFT_* environment equivalent and
// bad values fail with the flag's name and what is expected.
import { InvalidArgumentError, Option } from 'commander';

export const portNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535 (0 = any free port)');
  return n;
};

/** Parser of a duration flag in seconds, 0 < n ≤ max. */
export const secondsUpTo =
  (max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new InvalidArgumentError(`must be seconds, 0 < n ≤ ${max}`);
    return n;
  };

/** `--flag <value>` with env var WEFT_<FLAG>, e.g. --app-port ↔ WEFT_APP_PORT. */
export const envOption = (flags: string, description: string): Option => {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  return new Option(flags, description).env(`WEFT_${long.toUpperCase().replaceAll('-', '_')}`);
};

export const portOption = (flags: string, description: string, defaultPort: number): Option =>
  envOption(flags, description).argParser(portNumber).default(defaultPort);

export const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** `-o, --output table|json` of the commands that print a report. */
export const outputOption = (): Option =>
  new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table');

/** `--state FILE`: where a running `weft dev` describes the local mesh. */
export const stateOption = (): Option =>
  envOption('--state <file>', 'state file of weft dev (default .weft/dev/state.json)');
