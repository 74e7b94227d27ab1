// Provider side of the billing → payment Pact: the interactions billing's consumer test recorded
// (pacts/billing-payment.json, written by services/billing/test/pact-payment.test.ts) replayed by
// Pact's verifier against the real payment, started in-process. Provider states are set up through
// payment's own API; each replayed request gets a fresh `Trio-Caller` token as billing (the
// recorded one has none: tokens live 60 s). A change to payment that breaks what billing relies on
// fails here, naming billing and the interaction.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Verifier } from '@pact-foundation/pact';
import { callerToken } from '@trio/testing/identity';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { cardBody, startPayment, type TestPayment } from './support/payment.ts';

const pact = fileURLToPath(new URL('../pacts/billing-payment.json', import.meta.url));
let infra: TestInfra;
let payment: TestPayment;

before(async () => {
  infra = await createTestInfra();
  payment = await startPayment(infra);
});
after(async () => {
  await payment?.stop();
  await infra?.drop();
});

async function storedCard(owner: string, number: string): Promise<string> {
  const reply = await payment.post('/cards', { ...cardBody(number), owner });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return (reply.body as { token: string }).token;
}

function verifyAt(providerBaseUrl: string) {
  return new Verifier({
    provider: 'payment',
    providerBaseUrl,
    pactUrls: [pact],
    logLevel: 'warn',
    stateHandlers: {
      'a card stored for the customer': async (params?: unknown) => {
        const { owner, number } = params as { owner: string; number: string };
        return { token: await storedCard(owner, number) };
      },
      'an authorized payment': async (params?: unknown) => {
        const { owner } = params as { owner: string };
        const token = await storedCard(owner, '4242424242424242');
        const reply = await payment.post('/payments', {
          orderId: crypto.randomUUID(),
          amount: { amount: 2248, currency: 'EUR' },
          source: { type: 'token', token },
          owner,
        });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        return { paymentId: (reply.body as { id: string }).id };
      },
    },
    requestFilter: (req, _res, next) => {
      void callerToken('billing', 'payment').then((token) => {
        req.headers['trio-caller'] = token;
        next();
      });
    },
  }).verifyProvider();
}

test('payment keeps what billing relies on (Pact provider verification)', async () => {
  await verifyAt(payment.url);
});

test('a payment that breaks what billing relies on fails the verification', async () => {
  // payment, changed on purpose: a payment's `status` is renamed `state` in every answer.
  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const forwarded = ['content-type', 'idempotency-key', 'trio-caller', 'accept'];
    const headers = Object.entries(req.headers).filter(([name]) => forwarded.includes(name));
    const answer = await fetch(`${payment.url}${req.url}`, {
      method: req.method,
      // Keys of its own: the first test already used billing's recorded ones with other bodies.
      headers: {
        ...Object.fromEntries(headers),
        'idempotency-key': `${req.headers['idempotency-key']}-changed`,
      },
      body: chunks.length === 0 ? undefined : Buffer.concat(chunks),
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end((await answer.text()).replace('"status":', '"state":'));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    await assert.rejects(verifyAt(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`));
  } finally {
    proxy.close();
  }
});
