// `npm start -- --observe`: something to look at without a container engine.
//
// - An OTLP/HTTP receiver on 127.0.0.1:4318 (another free port when that one is taken) appends
//   every span the services export to `.trio/traces/spans.jsonl` (bounded, see spans-file.ts), for
//   `npm run trace` (TRIO_SPANS_FILE puts it elsewhere). The services are pointed at it by OTEL_EXPORTER_OTLP_ENDPOINT and
//   OTEL_EXPORTER_OTLP_PROTOCOL, unless the user set their own (then their collector gets the spans).
// - Debian's Prometheus (`/usr/bin/prometheus`, or PROMETHEUS_BIN), if installed, on
//   127.0.0.1:9090 with a generated configuration scraping the started services' /metrics, its
//   data and log under `.trio/prometheus/`. Not installed: a line says how to install it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OtlpReceiver, startOtlpReceiver } from '@trio/service-runtime/otlp-receiver';
import { readinessPort, type ServiceSpec } from './services.ts';
import { spanFileWriter, spansFilePath } from './spans-file.ts';
import type { ObserveState } from './state.ts';

export const otlpPort = 4318;
export const prometheusAddress = '127.0.0.1:9090';

type Env = Readonly<Record<string, string | undefined>>;

export interface Observing {
  /** For every service: where to export, unless the user chose. */
  env: Record<string, string>;
  state: ObserveState;
  stop(): Promise<void>;
}

/** The variables that point the services at `endpoint`: none when the user set an endpoint. */
export function observeEnv(env: Env, endpoint: string): Record<string, string> {
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined)
    return {};
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
  };
}

/** Prometheus' configuration for the services started here (their /metrics port, on loopback). */
export function prometheusConfig(started: readonly ServiceSpec[]): string {
  const targets = started.map(
    (spec) => `          - ${spec.address ?? '127.0.0.1'}:${readinessPort(spec)}  # ${spec.name}`,
  );
  return [
    '# Written by `npm start -- --observe`: /metrics of the services it started (the job name is',
    "# infra/observability's, so the same queries work).",
    'global:',
    '  scrape_interval: 5s',
    '  evaluation_interval: 15s',
    'scrape_configs:',
    '  - job_name: trio-shop',
    '    metrics_path: /metrics',
    '    static_configs:',
    '      - targets:',
    ...targets,
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: [${prometheusAddress}]`,
    '',
  ].join('\n');
}

async function receiverOn(onSpans: (spans: ReturnType<OtlpReceiver['spans']>) => void) {
  try {
    return await startOtlpReceiver({ port: otlpPort, onSpans });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return startOtlpReceiver({ onSpans });
  }
}

function startPrometheus(root: string, binary: string, started: readonly ServiceSpec[]): ChildProcess {
  const dir = join(root, '.trio', 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, prometheusConfig(started));
  const log = createWriteStream(join(dir, 'prometheus.log'), { flags: 'a' });
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.size=512MB',
      `--web.listen-address=${prometheusAddress}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

export async function startObserving(
  root: string,
  started: readonly ServiceSpec[],
  say: (text: string) => void,
  env: Env = process.env,
): Promise<Observing> {
  const writer = spanFileWriter(env.TRIO_SPANS_FILE ?? spansFilePath(root));
  const receiver = await receiverOn((spans) => writer.append(spans));
  const exportTo = observeEnv(env, receiver.url);
  const endpoint = exportTo.OTEL_EXPORTER_OTLP_ENDPOINT;
  say(
    endpoint === undefined
      ? `--observe: the services export to your OTEL_EXPORTER_OTLP_ENDPOINT, not to ${writer.path}`
      : `--observe: spans go to ${writer.path} (OTLP/HTTP receiver ${receiver.url}); \`npm run trace -- --last\` draws the newest checkout`,
  );
  const binary = env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
  let prometheus: ChildProcess | undefined;
  if (existsSync(binary)) {
    prometheus = startPrometheus(root, binary, started);
    prometheus.once('exit', (code, signal) => {
      if (prometheus !== undefined)
        say(
          `--observe: Prometheus exited (${signal ?? `code ${code}`}); see .trio/prometheus/prometheus.log`,
        );
      prometheus = undefined;
    });
    say(`--observe: Prometheus at http://${prometheusAddress}/ scrapes the services' /metrics`);
  } else {
    say(`--observe: no Prometheus (${binary} is missing): \`sudo apt-get install prometheus\` adds it`);
  }
  return {
    env: exportTo,
    state: {
      spansFile: writer.path,
      otlpEndpoint: receiver.url,
      exporting: endpoint !== undefined,
      ...(prometheus === undefined ? {} : { prometheusUrl: `http://${prometheusAddress}/` }),
    },
    async stop() {
      const running = prometheus;
      prometheus = undefined;
      if (running !== undefined && running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await exited;
      }
      // The services flushed their last spans as they stopped.
      await receiver.close();
    },
  };
}
