import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { describe, it } from 'node:test';
import { captureLogs } from '../test/support/log-capture.ts';
import { createShutdown } from './shutdown.ts';

function exitRecorder() {
  const codes: number[] = [];
  const exited = new EventEmitter();
  return {
    codes,
    exit: (code: number) => {
      codes.push(code);
      exited.emit('exit', code);
    },
    next: async () => (await once(exited, 'exit'))[0] as number,
  };
}

describe('shutdown', () => {
  it('when SIGTERM arrives, closes resources in reverse order of registration, then exits 0', async () => {
    const { log } = captureLogs();
    const exit = exitRecorder();
    const shutdown = createShutdown({ log, exit: exit.exit });
    const order: string[] = [];
    for (const name of ['postgres', 'redis', 'http server']) {
      shutdown.register(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(name);
      });
    }
    const signals = new EventEmitter();
    shutdown.install(signals);
    const exited = exit.next();
    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(order, ['http server', 'redis', 'postgres']);
  });

  it('when a closer fails, the others still close, the failure is logged and the exit code is 1', async () => {
    const capture = captureLogs();
    const exit = exitRecorder();
    const shutdown = createShutdown({ log: capture.log, exit: exit.exit });
    const closed: string[] = [];
    shutdown.register('first', () => closed.push('first'));
    shutdown.register('broken', () => Promise.reject(new Error('socket already gone')));
    shutdown.register('last', () => closed.push('last'));
    await shutdown.shutdown('test');
    assert.deepEqual(closed, ['last', 'first']);
    assert.deepEqual(exit.codes, [1]);
    const failure = capture.lines().find((line) => line.msg === 'failed to close');
    assert.equal(failure?.resource, 'broken');
    assert.match(String((failure?.err as { stack?: string })?.stack), /socket already gone/);
  });

  it('when a closer hangs, the hard timeout exits with code 1', async () => {
    const exit = exitRecorder();
    const shutdown = createShutdown({ log: captureLogs().log, timeoutMs: 50, exit: exit.exit });
    let laterCloserRan = false;
    shutdown.register('after the hang', () => {
      laterCloserRan = true;
    });
    shutdown.register('hangs', () => new Promise(() => {}));
    const started = performance.now(); // before shutdown() arms its timer, so a pause cannot shorten it
    void shutdown.shutdown('test');
    assert.equal(await exit.next(), 1);
    assert.ok(performance.now() - started >= 45);
    assert.equal(laterCloserRan, false);
  });

  it('when a second signal arrives during shutdown, closers do not run twice', async () => {
    const exit = exitRecorder();
    const shutdown = createShutdown({ log: captureLogs().log, exit: exit.exit });
    let closes = 0;
    let release = () => {};
    shutdown.register('slow', async () => {
      closes += 1;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const signals = new EventEmitter();
    shutdown.install(signals);
    signals.emit('SIGTERM', 'SIGTERM');
    signals.emit('SIGINT', 'SIGINT');
    const exited = exit.next();
    release();
    assert.equal(await exited, 0);
    assert.equal(closes, 1);
    assert.deepEqual(exit.codes, [0]);
  });

  it('when an uncaught error reaches the process, logs it as fatal and exits 1 after closing', async () => {
    const capture = captureLogs();
    const exit = exitRecorder();
    const shutdown = createShutdown({ log: capture.log, exit: exit.exit });
    let closed = false;
    shutdown.register('db', () => {
      closed = true;
    });
    const source = new EventEmitter();
    shutdown.install(source);
    const exited = exit.next();
    source.emit('uncaughtException', new Error('boom'));
    assert.equal(await exited, 1);
    assert.equal(closed, true);
    assert.ok(capture.lines().some((line) => line.level === 'fatal' && line.msg === 'uncaught error'));
  });

  it('close() closes everything once without exiting, for tests', async () => {
    const exit = exitRecorder();
    const shutdown = createShutdown({ log: captureLogs().log, exit: exit.exit });
    let closes = 0;
    shutdown.register('x', () => {
      closes += 1;
    });
    assert.equal(await shutdown.close(), true);
    assert.equal(await shutdown.close(), true);
    assert.equal(closes, 1);
    assert.deepEqual(exit.codes, []);
    assert.throws(() => shutdown.register('late', () => {}), /shutdown has already started/);
  });

  it('after uninstalling, signals no longer trigger a shutdown', () => {
    const exit = exitRecorder();
    const shutdown = createShutdown({ log: captureLogs().log, exit: exit.exit });
    const signals = new EventEmitter();
    const uninstall = shutdown.install(signals);
    uninstall();
    assert.equal(signals.listenerCount('SIGTERM'), 0);
    assert.equal(signals.listenerCount('uncaughtException'), 0);
  });
});
