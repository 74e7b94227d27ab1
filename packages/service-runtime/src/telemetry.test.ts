import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { telemetrySettings } from './telemetry.ts';

describe('telemetrySettings', () => {
  it('exports only when an OTLP endpoint is set and the SDK is not disabled', () => {
    assert.equal(telemetrySettings({}).exporting, false);
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    assert.equal(telemetrySettings(endpoint).exporting, true);
    assert.equal(
      telemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:4318/v1/traces' }).exporting,
      true,
    );
    assert.equal(telemetrySettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).exporting, false);
    assert.equal(telemetrySettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).exporting, false);
  });

  it('speaks http/protobuf by default and http/json when asked; refuses grpc clearly', () => {
    assert.equal(telemetrySettings({}).protocol, 'http/protobuf');
    assert.equal(telemetrySettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol, 'http/json');
    assert.equal(
      telemetrySettings({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).protocol,
      'http/protobuf',
    );
    assert.throws(() => telemetrySettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /grpc is not bundled/);
  });
});
