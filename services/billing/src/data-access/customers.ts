// Customers as profiles announced them (`user.registered`): billing's copy of a fact profiles owns,
// written only by the event consumer, read for the invoice page.
import type { Queryable } from '@trio/service-runtime/postgres';

export interface Customer {
  userId: string;
  email: string;
  name: string;
}

export async function upsertCustomer(db: Queryable, customer: Customer): Promise<void> {
  await db.query(
    `INSERT INTO customers (user_id, email, name) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name`,
    [customer.userId, customer.email, customer.name],
  );
}

export async function findCustomer(db: Queryable, userId: string): Promise<Customer | undefined> {
  const { rows } = await db.query<{ user_id: string; email: string; name: string }>(
    'SELECT user_id, email, name FROM customers WHERE user_id = $1',
    [userId],
  );
  const row = rows[0];
  return row === undefined ? undefined : { userId: row.user_id, email: row.email, name: row.name };
}
