// argon2id with the library's defaults (64 MiB, 3 passes): the parameters and salt are stored in
// the hash, so raising them later only affects new hashes.
import argon2 from 'argon2';

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password);
}

/**
 * A hash of a random password, verified against when the email is unknown, so that an unknown
 * user costs the same time as a wrong password and the two cannot be told apart by timing.
 */
export function createDummyHash(): Promise<string> {
  return hashPassword(crypto.randomUUID());
}
