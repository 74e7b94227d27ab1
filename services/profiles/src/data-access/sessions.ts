// SQL for sessions: a row per log-in, revoked by logout.
import type { User } from '@trio/contracts/profiles';
import type { Queryable } from '@trio/service-runtime/postgres';

export async function insertSession(
  db: Queryable,
  session: { id: string; userId: string; expiresAt: Date },
): Promise<void> {
  await db.query('INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)', [
    session.id,
    session.userId,
    session.expiresAt,
  ]);
}

/** The user of a session that exists, has not expired and was not revoked. */
export async function findActiveSessionUser(db: Queryable, sessionId: string): Promise<User | undefined> {
  const { rows } = await db.query<{ id: string; email: string; name: string; created_at: Date }>(
    `SELECT u.id, u.email, u.name, u.created_at
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [sessionId],
  );
  const row = rows[0];
  return row && { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
}
