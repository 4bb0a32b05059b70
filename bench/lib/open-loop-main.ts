// Child-process entry of the open-loop generator, started pinned to the load CPU by the runner:
// `node bench/lib/open-loop-main.ts '<OpenLoopOptions as JSON>'`. Prints one JSON line per
// phase change (so the runner can read proxy CPU counters at the window's edges) and one final
// line `{"result": …}`.
import { runOpenLoop, type OpenLoopOptions } from './open-loop.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as OpenLoopOptions;
const say = (o: object): boolean => process.stdout.write(`${JSON.stringify(o)}\n`);
const result = await runOpenLoop({ ...options, onPhase: (phase) => say({ phase }) });
say({ result });
process.exitCode = 0;
