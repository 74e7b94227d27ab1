// An OTLP/HTTP trace receiver: what a collector would get from the shop's services, decoded from
// either protocol they speak (OTEL_EXPORTER_OTLP_PROTOCOL http/json or http/protobuf, gzip or not).
// The trace tests keep the spans in memory; `npm start -- --observe` hands them to a file.
// Protobuf is decoded with the protobufjs classes generated from OpenTelemetry's own .proto files,
// as an earlier @opentelemetry/otlp-transformer shipped them (installed under the name otlp-proto).
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

interface KeyValue {
  key: string;
  value?: Record<string, unknown>;
}

interface WireSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
  events?: { name: string }[];
  status?: { code?: number; message?: string };
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
}

interface WireRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: WireSpan[] }[] }[];
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The resource's service.name. */
  service: string;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  events: string[];
  /** 0 unset, 1 ok, 2 error. */
  status: number;
  /** The status message, set with an error. */
  statusMessage?: string;
  startNs: bigint;
  endNs: bigint;
}

export interface OtlpReceiver {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** The spans kept so far (none when `onSpans` takes them). */
  spans(): ReceivedSpan[];
  /** The content types the exports came in. */
  contentTypes(): string[];
  close(): Promise<void>;
}

export interface OtlpReceiverOptions {
  /** 0 (the default): an ephemeral port. */
  port?: number;
  /** Loopback only: 127.0.0.1 by default. */
  host?: string;
  /** Takes every export's spans instead of keeping them in memory. */
  onSpans?: (spans: ReceivedSpan[]) => void;
}

/** An export larger than this is refused (413): the SDK's batches are far smaller. */
const maxBodyBytes = 32 * 1024 * 1024;

const generated = createRequire(import.meta.url)('otlp-proto/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: {
            ExportTraceServiceRequest: {
              decode(bytes: Uint8Array): unknown;
              toObject(message: unknown, options: Record<string, unknown>): WireRequest;
            };
          };
        };
      };
    };
  };
};
const ExportRequest = generated.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function anyValue(value: Record<string, unknown> | undefined): unknown {
  if (value === undefined) return undefined;
  const [key] = Object.keys(value).filter((name) => name !== 'value');
  const found = key === undefined ? undefined : value[key];
  return key === 'intValue' ? Number(found) : found;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((pair) => [pair.key, anyValue(pair.value)]));
}

function flatten(request: WireRequest, hex: (id: string) => string): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => {
        const parent = span.parentSpanId === undefined ? '' : hex(span.parentSpanId);
        return {
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: parent === '' ? undefined : parent,
          name: span.name,
          kind: span.kind ?? 0,
          service,
          attributes: attributesOf(span.attributes),
          links: (span.links ?? []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
          events: (span.events ?? []).map((event) => event.name),
          status: span.status?.code ?? 0,
          ...(span.status?.message ? { statusMessage: span.status.message } : {}),
          startNs: BigInt(span.startTimeUnixNano ?? 0),
          endNs: BigInt(span.endTimeUnixNano ?? 0),
        };
      }),
    );
  });
}

/** The spans of one OTLP/HTTP trace export, by its content type (JSON or protobuf). */
export function decodeSpans(contentType: string, body: Buffer): ReceivedSpan[] {
  if (contentType.includes('json'))
    return flatten(JSON.parse(body.toString('utf8')) as WireRequest, (id) => id);
  const message = ExportRequest.decode(body);
  const request = ExportRequest.toObject(message, {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: false,
  });
  return flatten(request, (id) => Buffer.from(id, 'base64').toString('hex'));
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, `an export larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/** Listens (127.0.0.1, an ephemeral port unless given) for POST /v1/traces. */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const types = new Set<string>();
  const take = options.onSpans ?? ((spans: ReceivedSpan[]) => received.push(...spans));
  const server = createServer((req, res) => {
    const contentType = req.headers['content-type'] ?? '';
    const json = contentType.includes('json');
    bodyOf(req)
      .then((body) => {
        if (req.method !== 'POST' || req.url !== '/v1/traces')
          throw new HttpError(404, `unexpected ${req.method} ${req.url}`);
        if (!json && !contentType.includes('protobuf'))
          throw new HttpError(415, 'send application/json or application/x-protobuf');
        take(decodeSpans(contentType, body));
        types.add(contentType);
        res.writeHead(200, { 'content-type': json ? 'application/json' : contentType });
        res.end(json ? '{}' : undefined);
      })
      .catch((error: unknown) => {
        res.writeHead(error instanceof HttpError ? error.status : 400).end(String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    spans: () => [...received],
    contentTypes: () => [...types],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
