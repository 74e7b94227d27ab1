// The service host as main.ts uses it: an HTTP service, or an RPC/AMQP service whose HTTP port only
// serves probes and metrics; either way it stops in reverse order when told to.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { parseConfig, serviceSettings } from '../src/config.ts';
import { AppError } from '../src/errors.ts';
import { createServiceHost, hostFromConfig } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

function exitRecorder() {
  const exited = new EventEmitter();
  return {
    exit: (code: number) => exited.emit('exit', code),
    next: async () => (await once(exited, 'exit'))[0] as number,
  };
}

describe('service host', () => {
  it('without routes, serves only /healthz, /readyz and /metrics (the admin port of an RPC service)', async () => {
    const host = createServiceHost({ service: 'inventory', log: captureLogs().log, signals: false });
    // What an RPC server package would do with the host: its own metrics and readiness check.
    const calls = new Counter({
      name: 'rpc_calls_total',
      help: 'RPC calls',
      registers: [host.metrics.registry],
    });
    calls.inc();
    host.health.addCheck('rpc', async () => {});
    const { port } = await host.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(
        ((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.rpc?.ok,
        true,
      );
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^rpc_calls_total\{service="inventory"\} 1$/m);
      const other = await fetch(`${base}/inventory/stock`, { method: 'POST', body: '{}' });
      assert.equal(other.status, 404);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'not_found');
    } finally {
      await host.shutdown.close();
    }
  });

  it('on SIGTERM, stops taking requests first, then closes resources in reverse order, and exits 0', async () => {
    const signals = new EventEmitter();
    const exit = exitRecorder();
    const host = createServiceHost({ service: 'catalog', log: captureLogs().log, signals, exit: exit.exit });
    const order: string[] = [];
    host.shutdown.register('postgres', () => order.push('postgres'));
    host.shutdown.register('redis', () => order.push('redis'));
    const { server } = await host.listen({ port: 0, host: '127.0.0.1', routes: () => {} });
    server.on('close', () => order.push('http server'));
    const exited = exit.next();
    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(order, ['http server', 'redis', 'postgres']);
    assert.equal(server.listening, false);
  });

  it('when SIGTERM arrives during a request, that request still gets its answer', async () => {
    const signals = new EventEmitter();
    const exit = exitRecorder();
    const host = createServiceHost({ service: 'catalog', log: captureLogs().log, signals, exit: exit.exit });
    let started = () => {};
    const requestStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const { port } = await host.listen({
      port: 0,
      host: '127.0.0.1',
      routes(app) {
        app.get('/slow', async (_req, res) => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 100));
          res.json({ done: true });
        });
      },
    });
    const response = fetch(`http://127.0.0.1:${port}/slow`);
    await requestStarted;
    const exited = exit.next();
    signals.emit('SIGTERM', 'SIGTERM');
    const res = await response;
    assert.deepEqual([res.status, await res.json()], [200, { done: true }]);
    assert.equal(await exited, 0);
  });

  it('when a handler throws a catastrophic AppError, answers it and then shuts down with exit code 1', async () => {
    const exit = exitRecorder();
    const capture = captureLogs();
    const host = createServiceHost({ service: 'billing', log: capture.log, signals: false, exit: exit.exit });
    const { port } = await host.listen({
      port: 0,
      host: '127.0.0.1',
      routes(app) {
        app.post('/orders', () => {
          throw new AppError('ledger_corrupt', 'Orders are unavailable', { status: 503, catastrophic: true });
        });
      },
    });
    const exited = exit.next();
    const res = await fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST' });
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ledger_corrupt');
    assert.equal(await exited, 1);
    assert.ok(capture.lines().some((line) => line.level === 'fatal' && line.msg === 'catastrophic error'));
  });

  it('when the port is taken, listen rejects', async () => {
    const host = createServiceHost({ service: 'x', log: captureLogs().log, signals: false });
    const { port } = await host.listen({ port: 0, host: '127.0.0.1' });
    try {
      await assert.rejects(host.listen({ port, host: '127.0.0.1' }), /EADDRINUSE/);
    } finally {
      await host.shutdown.close();
    }
  });

  it('from a config without HTTP_HOST, binds loopback only; HTTP_HOST=0.0.0.0 binds every interface', async () => {
    const Settings = z.object(serviceSettings({ name: 'catalog', httpPort: 3001 }));
    for (const [env, expected] of [
      [{}, '127.0.0.1'],
      [{ HTTP_HOST: '0.0.0.0' }, '0.0.0.0'],
    ] as const) {
      const host = hostFromConfig(parseConfig(Settings, { LOG_LEVEL: 'silent', ...env }), { signals: false });
      try {
        const { server } = await host.listen({ port: 0, routes: () => {} });
        assert.equal((server.address() as AddressInfo).address, expected);
      } finally {
        await host.shutdown.close();
      }
    }
  });

  it('with an admin port, serves the probes and metrics there, and 404 for them beside the routes', async () => {
    const host = createServiceHost({ service: 'front-end', log: captureLogs().log, signals: false });
    const listening = await host.listen({
      port: 0,
      adminPort: 0,
      routes: (app) => app.get('/hello', (_req, res) => void res.json({ hello: 'world' })),
    });
    const routes = `http://127.0.0.1:${listening.port}`;
    const admin = `http://127.0.0.1:${listening.adminPort}`;
    try {
      assert.notEqual(listening.adminPort, listening.port);
      assert.equal((await fetch(`${routes}/hello`)).status, 200);
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        assert.equal((await fetch(`${routes}${path}`)).status, 404, `routes ${path}`);
        assert.equal((await fetch(`${admin}${path}`)).status, 200, `admin ${path}`);
      }
      assert.equal((await fetch(`${admin}/hello`)).status, 404);
      // The public port's requests are counted, and the count is read on the admin port.
      assert.match(await (await fetch(`${admin}/metrics`)).text(), /route="\/hello"/);
    } finally {
      await host.shutdown.close();
    }
  });
});
