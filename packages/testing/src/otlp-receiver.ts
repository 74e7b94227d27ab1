// An OTLP/HTTP trace receiver for tests: what a collector would get from the shop's services, decoded
// from either protocol the services speak (OTEL_EXPORTER_OTLP_PROTOCOL http/json or http/protobuf).
// Protobuf is decoded with the protobufjs classes generated from OpenTelemetry's own .proto files,
// as an earlier @opentelemetry/otlp-transformer shipped them (installed under the name otlp-proto).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

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
  status?: { code?: number };
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
  startNs: bigint;
  endNs: bigint;
}

export interface OtlpReceiver {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans(): ReceivedSpan[];
  /** The content types the exports came in. */
  contentTypes(): string[];
  close(): Promise<void>;
}

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
          startNs: BigInt(span.startTimeUnixNano ?? 0),
          endNs: BigInt(span.endTimeUnixNano ?? 0),
        };
      }),
    );
  });
}

function decode(contentType: string, body: Buffer): ReceivedSpan[] {
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

/** Listens on 127.0.0.1 (an ephemeral port) for POST /v1/traces. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const types = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces')
          throw new Error(`unexpected ${req.method} ${req.url}`);
        received.push(...decode(contentType, Buffer.concat(chunks)));
        types.add(contentType);
        res.writeHead(200, {
          'content-type': contentType.includes('json') ? 'application/json' : contentType,
        });
        res.end(contentType.includes('json') ? '{}' : undefined);
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    contentTypes: () => [...types],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
