// Child-process entry of the open-loop generators, started pinned to the load CPU by the runner:
// `node bench/lib/open-loop-main.ts '<GeneratorJob as JSON>'`. Prints one JSON line per phase
// change (so the runner can read proxy CPU counters at the window's edges) and one final line
// `{"result": …}`.
import type { GeneratorJob } from './generator.ts';
import type { Phase } from './open-loop-core.ts';
import { runGrpcOpenLoop } from './open-loop-grpc.ts';
import { runOpenLoop } from './open-loop.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as GeneratorJob;
const say = (o: object): boolean => process.stdout.write(`${JSON.stringify(o)}\n`);
const onPhase = (phase: Phase): boolean => say({ phase });
const result =
  job.protocol === 'grpc'
    ? await runGrpcOpenLoop({ ...job.options, onPhase })
    : await runOpenLoop({ ...job.options, onPhase });
say({ result });
process.exitCode = 0;
