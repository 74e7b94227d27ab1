import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHealth } from './health.ts';

describe('readiness checks', () => {
  it('when every check passes, reports ok with each check', async () => {
    const health = createHealth();
    health.addCheck('postgres', async () => {});
    health.addCheck('redis', async () => 'PONG');
    const report = await health.check();
    assert.equal(report.status, 'ok');
    assert.deepEqual(Object.keys(report.checks).sort(), ['postgres', 'redis']);
    assert.ok(Object.values(report.checks).every((check) => check.ok));
  });

  it('when one check fails, reports unavailable and names it with its error', async () => {
    const health = createHealth();
    health.addCheck('postgres', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')));
    health.addCheck('redis', async () => {});
    const report = await health.check();
    assert.equal(report.status, 'unavailable');
    assert.deepEqual(report.checks.postgres, {
      ok: false,
      durationMs: report.checks.postgres?.durationMs,
      error: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    assert.equal(report.checks.redis?.ok, true);
  });

  it('when a check hangs, it fails after the timeout and the others still report', async () => {
    const health = createHealth({ timeoutMs: 50 });
    health.addCheck('hangs', () => new Promise(() => {}));
    health.addCheck('fine', async () => {});
    const report = await health.check();
    assert.equal(report.status, 'unavailable');
    assert.deepEqual(report.checks.hangs, {
      ok: false,
      durationMs: report.checks.hangs?.durationMs,
      error: 'timed out after 50 ms',
    });
    assert.equal(report.checks.fine?.ok, true);
  });

  it('runs the checks in parallel', async () => {
    const health = createHealth();
    let running = 0;
    let mostAtOnce = 0;
    const check = async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    };
    for (const name of ['a', 'b', 'c']) health.addCheck(name, check);
    await health.check();
    assert.equal(mostAtOnce, 3);
  });

  it('when no check is registered, reports ok', async () => {
    assert.deepEqual(await createHealth().check(), { status: 'ok', checks: {} });
  });

  it('when a name is registered twice, refuses the second', () => {
    const health = createHealth();
    health.addCheck('postgres', async () => {});
    assert.throws(() => health.addCheck('postgres', async () => {}), /already registered/);
  });
});
