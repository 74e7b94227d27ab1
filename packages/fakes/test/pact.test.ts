// The payment fake against billing's Pact (services/payment/pacts/billing-payment.json, verified
// against the real payment in payment's own suite): the fake keeps what billing relies on, so a
// test of billing against the fake tells the truth about the real payment.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Verifier } from '@pact-foundation/pact';
import { callerToken, identityEnv } from '@trio/testing/identity';
import { type RunningFakes, startFakes } from '../src/start.ts';

const pact = fileURLToPath(new URL('../../../services/payment/pacts/billing-payment.json', import.meta.url));
let fakes: RunningFakes;
let url: string;

before(async () => {
  const keys = await identityEnv('payment');
  fakes = await startFakes({
    consumer: 'billing',
    envOf: (name) => (name === 'billing' ? { PAYMENT_URL: 'x' } : keys),
  });
  url = fakes.env.PAYMENT_URL ?? '';
});
after(() => fakes?.close());

async function post(path: string, body: unknown): Promise<Record<string, string>> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
      'trio-caller': await callerToken('billing', 'payment'),
    },
    body: JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: ${response.status}`);
  return (await response.json()) as Record<string, string>;
}

const typedCard = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
const card = (number: string, owner: string) => ({ ...typedCard, number, owner });

test('the payment fake keeps what billing relies on (Pact verification)', async () => {
  await new Verifier({
    provider: 'payment',
    providerBaseUrl: url,
    pactUrls: [pact],
    logLevel: 'warn',
    stateHandlers: {
      'a card stored for the customer': async (params?: unknown) => {
        const { owner, number } = params as { owner: string; number: string };
        return { token: (await post('/cards', card(number, owner))).token ?? '' };
      },
      'an authorized payment': async (params?: unknown) => {
        const { owner } = params as { owner: string };
        const payment = await post('/payments', {
          orderId: crypto.randomUUID(),
          amount: { amount: 2248, currency: 'EUR' },
          source: { type: 'card', card: typedCard },
          owner,
        });
        return { paymentId: payment.id ?? '' };
      },
    },
    requestFilter: (req, _res, next) => {
      void callerToken('billing', 'payment').then((token) => {
        req.headers['trio-caller'] = token;
        next();
      });
    },
  }).verifyProvider();
});
