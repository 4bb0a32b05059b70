// Every weft process creates its root logger here. pino appends a child's bindings to its
// parent's, so a child that names its own `component` under a parent that already has one would
// print the key twice in every line (and a reader keeps whichever its JSON parser keeps). Each
// child made from a root created here keeps one value per key: the child's replaces the parent's.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const { chindingsSym } = pino.symbols;

/** A child's bindings are JSON members (`,"k":v,…`); JSON.parse keeps one per key, the last. */
const oneValuePerKey = (child: Logger): void => {
  const holder = child as unknown as Record<symbol, string | undefined>;
  const members = holder[chindingsSym] ?? '';
  const merged = JSON.stringify(JSON.parse(`{${members.slice(1)}}`)).slice(1, -1);
  holder[chindingsSym] = merged === '' ? '' : `,${merged}`;
};

export const createLogger = (options: LoggerOptions = {}, destination?: DestinationStream): Logger => {
  const withOneValuePerKey = { ...options, onChild: oneValuePerKey };
  return destination ? pino(withOneValuePerKey, destination) : pino(withOneValuePerKey);
};
