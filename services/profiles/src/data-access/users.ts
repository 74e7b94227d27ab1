// SQL for users. Every value travels as a query parameter.
import type { User } from '@trio/contracts/profiles';
import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
}

const columns = 'id, email, name, created_at';

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
}

/** The new user, or undefined when the email is taken. */
export async function insertUser(
  tx: pg.PoolClient,
  user: { id: string; email: string; name: string; passwordHash: string },
): Promise<User | undefined> {
  const { rows } = await tx.query<UserRow>(
    `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (email) DO NOTHING RETURNING ${columns}`,
    [user.id, user.email, user.name, user.passwordHash],
  );
  return rows[0] && toUser(rows[0]);
}

export async function findUser(db: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${columns} FROM users WHERE id = $1`, [id]);
  return rows[0] && toUser(rows[0]);
}

export async function findCredentials(
  db: Queryable,
  email: string,
): Promise<{ user: User; passwordHash: string } | undefined> {
  const { rows } = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${columns}, password_hash FROM users WHERE email = $1`,
    [email],
  );
  return rows[0] && { user: toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function updateUserName(db: Queryable, id: string, name: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET name = $2, updated_at = now() WHERE id = $1 RETURNING ${columns}`,
    [id, name],
  );
  return rows[0] && toUser(rows[0]);
}
