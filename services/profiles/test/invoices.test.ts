// invoice.issued reaches profiles through its own queue and becomes one logged email per invoice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEvent } from '@trio/contracts/events';
import { createAmqpConnection } from '@trio/events/connection';
import { createPublisher } from '@trio/events/publisher';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { startProfiles, type TestProfiles } from './support/profiles.ts';

let infra: TestInfra;
let profiles: TestProfiles;
let db: Postgres;

before(async () => {
  infra = await createTestInfra();
  profiles = await startProfiles(infra);
  db = createPostgres({
    url: infra.db.url,
    schema: 'profiles',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
});

after(async () => {
  await db?.end();
  await profiles?.stop();
  await infra?.drop();
});

test('an issued invoice is logged as one email to its customer, however often the event comes', async () => {
  const session = await profiles.signUp({ name: 'Ann Invoice' });
  const log = createLogger({ service: 'test', level: 'silent' });
  const connection = createAmqpConnection({ url: infra.broker.url, name: 'billing-test-publisher', log });
  await connection.start();
  const publisher = createPublisher({ connection, log, exchange: infra.broker.exchange('events') });
  await publisher.start();
  try {
    const invoiceId = crypto.randomUUID();
    const event = createEvent(
      'invoice.issued',
      {
        invoiceId,
        number: '2026-000042',
        orderId: crypto.randomUUID(),
        userId: session.user.id,
        total: { amount: 4999, currency: 'EUR' },
      },
      { correlationId: crypto.randomUUID() },
    );
    await publisher.publish(event);
    await publisher.publish(event); // a redelivery
    await publisher.publish({ ...event, id: crypto.randomUUID() }); // the same fact again, another event id
    const rows = await waitFor('the email to be logged', async () => {
      const { rows } = await db.query('SELECT to_address, subject, body FROM email_log WHERE user_id = $1', [
        session.user.id,
      ]);
      return rows.length > 0 ? rows : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { rows: all } = await db.query('SELECT count(*)::int AS n FROM email_log WHERE user_id = $1', [
      session.user.id,
    ]);
    assert.equal(all[0].n, 1, 'one email per invoice');
    assert.equal(rows[0].to_address, session.user.email);
    assert.equal(rows[0].subject, 'Your Trio Shop invoice 2026-000042');
    assert.match(rows[0].body, /Hello Ann Invoice,/);
    assert.match(rows[0].body, /€49\.99/);
  } finally {
    await publisher.close();
    await connection.close();
  }
});
