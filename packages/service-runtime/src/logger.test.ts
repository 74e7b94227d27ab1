import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureLogs } from '../test/support/log-capture.ts';
import { createContext, runWithContext } from './context.ts';

describe('logger', () => {
  it('when secrets are logged at any of the top three levels, none of their values is written', () => {
    const { log, text, lines } = captureLogs();
    log.info({ password: 'hunter2-top' }, 'top');
    log.info({ user: { email: 'a@b.c', password: 'hunter2-nested' } }, 'nested');
    log.info({ payment: { card: { number: '4242424242424242', cvc: '737' } } }, 'card');
    log.info({ card: { number: '4111111111111111', cvc: '123' }, cardNumber: '5555555555554444' }, 'card');
    log.info({ req: { headers: { authorization: 'Bearer tok-header', cookie: 'sid=cookie-value' } } }, 'hdr');
    log.info(
      { token: 'tok-plain', session: { accessToken: 'tok-access', refreshToken: 'tok-refresh' } },
      'tok',
    );
    log.info({ config: { DATABASE_URL: 'postgres://u:pw-in-url@db/x' } }, 'config');
    log.info({ users: [{ password: 'hunter2-in-array' }] }, 'array');
    const written = text();
    for (const secret of [
      'hunter2',
      '4242424242424242',
      '4111111111111111',
      '5555555555554444',
      'tok-',
      'cookie-value',
      'pw-in-url',
    ]) {
      assert.ok(!written.includes(secret), `"${secret}" leaked into the log`);
    }
    const [, nested, deepCard] = lines();
    assert.deepEqual(nested?.user, { email: 'a@b.c', password: '[redacted]' });
    // Short values like a CVC could occur anywhere in a line (a timestamp): check the field itself.
    assert.deepEqual(deepCard?.payment, { card: { number: '[redacted]', cvc: '[redacted]' } });
  });

  it('when logging inside a context, every line carries the service and the context ids', () => {
    const { log, lines } = captureLogs('catalog');
    const context = createContext({ requestId: 'req-1' });
    runWithContext(context, () => {
      log.info('first');
      log.child({ component: 'x' }).warn('second');
    });
    log.info('outside');
    const written = lines();
    assert.equal(written.length, 3);
    for (const line of written.slice(0, 2)) {
      assert.equal(line.service, 'catalog');
      assert.equal(line.requestId, 'req-1');
      assert.equal(line.trace_id, context.traceId);
      assert.equal(line.correlationId, 'req-1');
    }
    assert.equal(written[2]?.service, 'catalog');
    assert.equal(written[2]?.requestId, undefined);
  });

  it("one line's fields never appear on the next line", () => {
    const { log, lines } = captureLogs();
    log.info({ orderId: 'o-1' }, 'outside any context');
    runWithContext(createContext(), () => log.info({ sku: 'A' }, 'inside'));
    log.info('plain');
    runWithContext(createContext(), () => log.info('plain inside'));
    const [, inside, plain, plainInside] = lines();
    assert.equal(inside?.orderId, undefined);
    assert.equal(plain?.orderId, undefined);
    assert.equal(plainInside?.sku, undefined);
  });

  it('writes level names, not numbers', () => {
    const { log, lines } = captureLogs();
    log.warn('careful');
    assert.equal(lines()[0]?.level, 'warn');
  });
});
