// The supervisor on real child processes (no ports): a crash after ready is restarted, a service
// that keeps failing before ready makes the launcher give up, and the back-off doubles.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { waitFor } from '@trio/testing/wait';
import { defaultRestartPolicy, restartDelayMs, type Supervised, supervise } from '../src/supervise.ts';

function child(script: string): Pick<Supervised, 'child' | 'exited'> {
  const process_ = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return {
    child: process_,
    exited: new Promise((resolve) => process_.once('exit', (code) => resolve(code))),
  };
}

function supervised(name: string, script: string, state: Supervised['state']): Supervised {
  return { name, ...child(script), state, restarts: 0, failuresInARow: 0 };
}

const fastPolicy = { firstDelayMs: 10, maxDelayMs: 40, giveUpAfter: 3 };

describe('supervise', () => {
  test('the back-off doubles from the first delay up to the ceiling', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelayMs(defaultRestartPolicy, n));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test('restarts a ready service that is killed, and says why', async () => {
    const lines: string[] = [];
    let stopping = false;
    const service = supervised('sleepy', 'setInterval(() => {}, 1000)', 'ready');
    const first = service.child;
    supervise(
      service,
      {
        spawn: () => child('setInterval(() => {}, 1000)'),
        stopping: () => stopping,
        isReady: async () => true,
        say: (text) => lines.push(text),
        giveUp: (reason) => assert.fail(reason),
        policy: fastPolicy,
      },
      Date.now(),
    );
    first.kill('SIGKILL');
    await waitFor('ready again', () => service.state === 'ready' && service.child !== first);
    assert.equal(service.restarts, 1);
    assert.match(lines[0] ?? '', /sleepy exited unexpectedly \(signal SIGKILL\); restarting it in 0\.01 s/);
    assert.match(lines[1] ?? '', /sleepy is ready again/);
    stopping = true;
    service.child.kill('SIGTERM');
    await service.exited;
  });

  test('gives up on a service that keeps failing before it is ready', async () => {
    const lines: string[] = [];
    let gaveUp: string | undefined;
    const service = supervised('broken', 'process.exit(3)', 'starting');
    supervise(
      service,
      {
        spawn: () => child('process.exit(3)'),
        stopping: () => gaveUp !== undefined,
        isReady: async () => false,
        say: (text) => lines.push(text),
        giveUp: (reason) => {
          gaveUp = reason;
        },
        policy: fastPolicy,
      },
      Date.now(),
    );
    const reason = await waitFor('the supervisor to give up', () => gaveUp);
    assert.match(reason, /broken exited \(code 3\) 3 times in a row before it was ready; stopping the shop/);
    assert.equal(service.restarts, 2);
    assert.match(lines[0] ?? '', /before it was ready\); restarting it in 0\.01 s/);
    assert.match(lines[1] ?? '', /restarting it in 0\.02 s/);
  });
});
