// The tracing benchmarks' harness (`npm run bench:tracing` of @trio/rpc and @trio/events): one
// measurement in a child process with tracing off (no OTLP endpoint: the provider samples nothing,
// the default of every service) or on (spans exported over OTLP/HTTP protobuf to `receiver`), so
// that each mode starts from a fresh SDK. The benchmark script forks itself: in the child,
// BENCH_CHILD is 1 and the script sends its result with process.send.
import { fork } from 'node:child_process';
import { once } from 'node:events';

export async function tracingRound<Result>(
  script: URL,
  mode: 'off' | 'on',
  receiver: string,
): Promise<Result> {
  const env: Record<string, string | undefined> = { ...process.env, BENCH_CHILD: '1' };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (mode === 'on') {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver;
    env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
  }
  const worker = fork(script, [], { env });
  const [result] = (await once(worker, 'message')) as [Result];
  await once(worker, 'exit');
  return result;
}

export function median(values: readonly number[]): number {
  return values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
